/** `deadscope merge A.json B.json … [--out F]`: joins partial reads (`read --layers`) into one read. */
import { readFile } from 'node:fs/promises';
import { mergeReads, MergeError } from '../read/merge.ts';
import { InputError } from '../read/pipeline.ts';
import { checkOutPath, checkRegularFile, oneLine, writeResult } from './files.ts';
import type { ReadResult } from '../read/schema.ts';

export const MERGE_HELP = `deadscope merge A.json B.json … [--out F]

Joins partial reads (deadscope read … --layers L1,L2) of one checkpoint, read with the same settings,
into the read of the whole network: directions in network order, the global assembly recomputed.`;

export async function runMerge(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${MERGE_HELP}\n`);
    return 0;
  }
  const files: string[] = [];
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i] ?? null;
    else if (argv[i].startsWith('--')) return fail(`unknown flag ${argv[i]} (see deadscope merge --help)`);
    else files.push(argv[i]);
  }
  if (argv.includes('--out') && !out) return fail('--out needs a value');
  if (files.length === 0) return fail('no reads given (deadscope merge A.json B.json …)');
  try {
    for (const name of files) await checkRegularFile(name);
    if (out) await checkOutPath(out);
  } catch (e) {
    if (e instanceof InputError) return fail(e.message);
    throw e;
  }
  const shards: { name: string; read: ReadResult }[] = [];
  for (const name of files) {
    let text: string;
    try {
      text = await readFile(name, 'utf8');
    } catch (e) {
      return fail(`${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      shards.push({ name, read: JSON.parse(text) as ReadResult });
    } catch (e) {
      return fail(`${name}: not valid JSON (${(e as Error).message})`);
    }
  }
  let merged: ReadResult;
  try {
    merged = mergeReads(shards);
  } catch (e) {
    if (e instanceof MergeError) return fail(e.message);
    throw e;
  }
  const json = `${JSON.stringify(merged, null, 1)}\n`;
  if (out) {
    try {
      await writeResult(out, json);
    } catch (e) {
      if (e instanceof InputError) return fail(e.message);
      throw e;
    }
  } else process.stdout.write(json);
  return 0;
}

function fail(message: string): number {
  process.stderr.write(`deadscope: ${oneLine(message)}\n`);
  return 2;
}
