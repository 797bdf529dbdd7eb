/** Paths the CLI reads or writes, checked before any work: a bad one is one line and exit 2. */
import { stat } from 'node:fs/promises';
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
}
