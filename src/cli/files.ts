/** Paths the CLI reads or writes, checked before any work: a bad one is one line and exit 2. */
import { access, constants, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../read/pipeline.ts';

/**
 * Every file given is a regular file before it is opened: a directory fails late with EISDIR,
 * and opening a FIFO blocks forever.
 */
export async function checkRegularFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new InputError(path, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new InputError(path, 'is a directory, not a file [rule: not-a-regular-file]');
  if (!st.isFile()) throw new InputError(path, 'is not a regular file (a FIFO, socket or device) [rule: not-a-regular-file]');
}

/** --out is checked before the work, so a finished result is never lost to an unwritable path. */
export async function checkOutPath(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) throw new InputError(path, 'is a directory; --out needs a file path [rule: not-a-regular-file]');
  if (st && !st.isFile()) throw new InputError(path, 'is not a regular file; --out needs a file path [rule: not-a-regular-file]');
  const parent = await stat(dirname(path)).catch(() => null);
  if (!parent?.isDirectory()) throw new InputError(path, `its folder ${dirname(path)} does not exist [rule: out-folder-missing]`);
  await access(dirname(path), constants.W_OK).catch(() => {
    throw new InputError(path, `its folder ${dirname(path)} is not writable [rule: out-not-writable]`);
  });
}

/** --out of several checkpoints is a folder (made when missing): an existing file there is bad input, before any read. */
export async function checkOutFolder(path: string, checkpoints: number): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st && !st.isDirectory()) throw new InputError(path, `is a file; ${checkpoints} checkpoints need --out DIR, a folder for one .read.json each plus series.csv [rule: not-a-directory]`);
}

/**
 * Write a finished read to --out. A write the checks could not foresee (a file system that refuses
 * it, a full disk) puts the JSON on stdout instead, so the result is not lost, and is bad input.
 */
export async function writeResult(path: string, json: string): Promise<void> {
  try {
    await writeFile(path, json);
  } catch (e) {
    process.stdout.write(json);
    throw new InputError(path, `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the JSON went to stdout instead [rule: out-not-writable]`);
  }
}

/** A message as one line: control characters (a newline or NUL quoted from a binary file) written as escapes. */
export function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
