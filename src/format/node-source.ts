/**
 * The one Node-only file of the format module: a `ByteSource` over a file on disk, read with
 * positional `FileHandle.read`, so a multi-gigabyte checkpoint is never loaded whole — only the
 * header and the tensors asked for.
 */

import { open } from 'node:fs/promises';
import type { ByteSource } from './safetensors.ts';

export type FileByteSource = ByteSource & { close(): Promise<void> };

/**
 * The most bytes one `FileHandle.read` asks for: Node's binding takes the length as a 32-bit int and
 * aborts the process (a native assertion, exit 134) on a tensor of 2 GiB or more, so longer reads
 * are made of reads of this size into the one output buffer.
 */
export const MAX_READ_CALL_BYTES = 2 ** 30;

/** Open `path` for reading. Call `close()` when done. */
export async function fileSource(path: string): Promise<FileByteSource> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (e) {
    await handle.close();
    throw e;
  }
  return {
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const want = Math.max(0, Math.min(length, size - offset));
      // A fresh, unpooled buffer: the caller owns it and may view it as other typed arrays.
      const out = new Uint8Array(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(out, filled, Math.min(want - filled, MAX_READ_CALL_BYTES), offset + filled);
        if (bytesRead === 0) break; // file shrank: return what we have, the reader reports it
        filled += bytesRead;
      }
      return filled === want ? out : out.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}
