/** `deadscope read …`: the Node CLI on the same pipeline as the explorer. */
import { openAsBlob } from 'node:fs';
import { mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { checkOutFolder, checkOutPath, checkRegularFile, oneLine, writeResult } from './files.ts';
import { basename, dirname, join } from 'node:path';
import { fileSource } from '../format/node-source.ts';
import { blobSource, openSafetensors, SafetensorsError } from '../format/safetensors.ts';
import { mergeShards, shardNames, ShardIndexError } from '../format/sharded.ts';
import { seriesCsv, seriesRow, sortSeries, stepFromName, type SeriesRow } from '../series/series.ts';
import { cliProgress } from './progress.ts';
import { ArchitectureError } from '../model/infer.ts';
import { InputError, readCheckpoint } from '../read/pipeline.ts';
import { parseReadArgs, READ_HELP, type CliArgs } from './args.ts';
import type { ReadResult } from '../read/schema.ts';
import { MERGE_HELP, runMerge } from './merge.ts';
import type { FisherEngine } from '../engine/types.ts';
import { CpuEngine } from '../engine/cpu/engine.ts';

async function makeEngine(backend: 'auto' | 'cpu' | 'webgpu', precision: 'f32' | 'f64', threads: number): Promise<FisherEngine> {
  if (backend === 'cpu') {
    const engine = threads > 1 ? new (await import('../fast/pool.ts')).PooledCpuEngine({ precision, threads }) : new CpuEngine({ precision });
    return Object.assign(engine, { choice: 'cpu requested' });
  }
  // loaded only when asked for, so the CPU path never loads Dawn
  const { createEngine, NoAdapterError } = await import('../engine/select.ts');
  try {
    return await createEngine(backend, 'node', {}, precision);
  } catch (e) {
    if (e instanceof NoAdapterError) throw new InputError('--backend webgpu', e.message);
    throw e;
  }
}

async function readText(path: string | null): Promise<string | null> {
  if (!path) return null;
  await checkRegularFile(path);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const SHARD_INDEX = /\.safetensors\.index\.json$/i;

/** A sharded Hugging Face checkpoint: its index and shards merged into one lazily read file. */
async function openSharded(indexPath: string) {
  const indexText = (await readText(indexPath))!;
  const shards = new Map<string, Blob>();
  for (const name of shardNames(indexText, indexPath)) {
    const shardPath = join(dirname(indexPath), name);
    await checkRegularFile(shardPath);
    shards.set(name, await openAsBlob(shardPath));
  }
  return { ...blobSource(await mergeShards(indexText, indexPath, shards)), close: async () => undefined };
}

async function openSource(path: string) {
  if (SHARD_INDEX.test(path)) return openSharded(path);
  await checkRegularFile(path);
  try {
    return await fileSource(path);
  } catch (e) {
    throw new InputError(path, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

interface Target {
  path: string;
  /** file-name-safe name of its JSON: the step-bearing part of the path */
  stem: string;
  /** config.json beside it (a Hugging Face checkpoint folder), when --config is not given */
  config: string | null;
}

/** Checkpoint paths as given; a folder stands for the .safetensors files in it (with its config.json). */
async function expandCheckpoints(paths: string[], visited = new Set<string>()): Promise<Target[]> {
  const out: Target[] = [];
  const stemOf = (p: string) => p.replace(/\.safetensors$/i, '').split(/[\\/]/).filter(Boolean).slice(-2).join('_').replace(/[^A-Za-z0-9._-]+/g, '_');
  for (const p of paths) {
    let isDir = false;
    try { isDir = (await stat(p)).isDirectory(); } catch { /* a missing file is named when it is opened */ }
    if (!isDir) { out.push({ path: p, stem: basename(p).replace(SHARD_INDEX, '').replace(/\.safetensors$/i, ''), config: null }); continue; }
    // a folder once, however many links lead back to it (a link to a parent made the walk endless)
    visited.add(await realpath(p));
    const names = (await readdir(p)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const config = names.includes('config.json') ? join(p, 'config.json') : null;
    // a sharded Hugging Face checkpoint: read through its index
    const index = names.find((n) => SHARD_INDEX.test(n));
    if (index) { out.push({ path: join(p, index), stem: stemOf(p), config }); continue; }
    const files = names.filter((n) => n.toLowerCase().endsWith('.safetensors'));
    // checkpoint-1000/ folders inside a run folder
    const subdirs: string[] = [];
    for (const n of names) if (!files.includes(n)) { try { if ((await stat(join(p, n))).isDirectory() && !visited.has(await realpath(join(p, n)))) subdirs.push(join(p, n)); } catch { /* skip */ } }
    if (!files.length && subdirs.length) { out.push(...await expandCheckpoints(subdirs, visited)); continue; }
    // a folder is a checkpoint folder (one file) or a training run (every file names its step)
    if (!(files.length === 1 || (files.length > 1 && files.every((f) => stepFromName(f) !== null)))) {
      throw new InputError(p, 'is a directory, not a file [rule: not-a-regular-file] (a folder is read as one checkpoint when it holds one .safetensors, '
        + 'as a training run when every .safetensors name carries its step, e.g. step_1000.safetensors)');
    }
    for (const f of files) out.push({ path: join(p, f), stem: files.length === 1 ? stemOf(join(p, f)) : f.replace(/\.safetensors$/i, ''), config });
  }
  const seen = new Set<string>();
  for (const t of out) {
    if (seen.has(t.stem)) t.stem = stemOf(t.path);
    seen.add(t.stem);
  }
  return out;
}

/** One read with the command line's settings; its __metadata__ too (step, accuracies for the series). */
async function readOne(args: CliArgs, t: Target, open: { close(): Promise<void> }[]): Promise<{ result: ReadResult; metadata: Record<string, string> | null }> {
  const checkpoint = await openSource(t.path);
  open.push(checkpoint);
  const inputs = args.inputs ? await openSource(args.inputs) : null;
  if (inputs) open.push(inputs);
  const configPath = args.config ?? t.config;
  let engine: FisherEngine | null = null;
  const progress = cliProgress(basename(t.path));
  try {
    const result = await readCheckpoint(
      {
        checkpoint, checkpointName: t.path, inputs, inputsName: args.inputs,
        configText: await readText(configPath), configName: configPath,
        archText: await readText(args.arch), archName: args.arch,
      },
      args.options, async () => (engine = await makeEngine(args.options.backend ?? 'auto', args.options.precision ?? 'f32', args.options.threads ?? 1)),
      { onProgress: (p) => progress.update(p) },
    );
    progress.stop();
    for (const w of result.warnings) process.stderr.write(`deadscope: warning: ${w}\n`);
    const metadata = (await openSafetensors(checkpoint, t.path)).metadata ?? null;
    return { result, metadata };
  } finally {
    progress.stop();
    (engine as FisherEngine | null)?.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`deadscope — read the singular structure of a trained network\n\n${READ_HELP}\n\n${MERGE_HELP}\n`);
    return 0;
  }
  if (command === 'merge') return runMerge(rest);
  const open: { close(): Promise<void> }[] = [];
  let checkpointPath = 'command line';
  try {
    if (command !== 'read') throw new InputError('command line', `unknown command "${command}" (try: deadscope read --help, deadscope merge --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${READ_HELP}\n`);
      return 0;
    }
    const args = parseReadArgs(rest);
    checkpointPath = args.checkpoint;
    const targets = await expandCheckpoints(args.checkpoints);
    if (targets.length === 1) {
      if (args.out) await checkOutPath(args.out);
      const { result } = await readOne(args, targets[0], open);
      const json = `${JSON.stringify(result, null, 1)}\n`;
      if (args.out) await writeResult(args.out, json);
      else process.stdout.write(json);
      return 0;
    }
    // a training run: the same settings and probe for every checkpoint, one JSON each and the series CSV
    if (!args.out) throw new InputError('command line', `${targets.length} checkpoints need --out DIR (one .read.json each plus series.csv)`);
    await checkOutFolder(args.out, targets.length);
    const out = args.out;
    await mkdir(out, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw new InputError(out, `cannot make this folder (${e.code ?? e.message}) [rule: out-not-writable]`);
    });
    const rows: SeriesRow[] = [];
    for (const t of targets) {
      checkpointPath = t.path;
      const { result, metadata } = await readOne(args, t, open);
      const row = seriesRow(result, metadata, t.path);
      rows.push(row);
      await writeResult(join(out, `${t.stem}.read.json`), `${JSON.stringify(result, null, 1)}\n`);
    }
    await writeResult(join(out, 'series.csv'), seriesCsv(rows));
    process.stderr.write(`deadscope: ${rows.length} reads and series.csv written to ${args.out} (steps ${sortSeries(rows).map((r) => r.step ?? '?').join(', ')})\n`);
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof SafetensorsError || e instanceof ShardIndexError) {
      process.stderr.write(`deadscope: ${oneLine(e.message)}\n`);
      return 2;
    }
    if (e instanceof ArchitectureError) {
      process.stderr.write(`deadscope: ${oneLine(`${checkpointPath}: ${e.message}`)}\n`);
      return 2;
    }
    process.stderr.write(`deadscope: internal error: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    for (const f of open) await f.close().catch(() => undefined);
  }
}
