/** `deadscope read …`: the Node CLI on the same pipeline as the explorer. */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileSource } from '../format/node-source.ts';
import { SafetensorsError } from '../format/safetensors.ts';
import { ArchitectureError } from '../model/infer.ts';
import { InputError, readCheckpoint } from '../read/pipeline.ts';
import { parseReadArgs, READ_HELP } from './args.ts';
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

/**
 * Every file given is a regular file before it is opened: a directory fails late with EISDIR,
 * and opening a FIFO blocks forever.
 */
async function checkRegularFile(path: string): Promise<void> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new InputError(path, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new InputError(path, 'is a directory, not a file [rule: not-a-regular-file]');
  if (!st.isFile()) throw new InputError(path, 'is not a regular file (a FIFO, socket or device) [rule: not-a-regular-file]');
}

/** --out is checked before the read, so a finished read is never lost to an unwritable path. */
async function checkOutPath(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) throw new InputError(path, 'is a directory; --out needs a file path [rule: not-a-regular-file]');
  if (st && !st.isFile()) throw new InputError(path, 'is not a regular file; --out needs a file path [rule: not-a-regular-file]');
  const parent = await stat(dirname(path)).catch(() => null);
  if (!parent?.isDirectory()) throw new InputError(path, `its folder ${dirname(path)} does not exist [rule: out-folder-missing]`);
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

async function openSource(path: string) {
  await checkRegularFile(path);
  try {
    return await fileSource(path);
  } catch (e) {
    throw new InputError(path, `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
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
    if (args.out) await checkOutPath(args.out);
    const checkpoint = await openSource(args.checkpoint);
    open.push(checkpoint);
    const inputs = args.inputs ? await openSource(args.inputs) : null;
    if (inputs) open.push(inputs);
    let engine: FisherEngine | null = null;
    let lastStage = '';
    let lastPct = -1;
    const result = await readCheckpoint(
      {
        checkpoint, checkpointName: args.checkpoint, inputs, inputsName: args.inputs,
        configText: await readText(args.config), configName: args.config,
        archText: await readText(args.arch), archName: args.arch,
      },
      args.options, async () => (engine = await makeEngine(args.options.backend ?? 'auto', args.options.precision ?? 'f32', args.options.threads ?? 1)),
      {
        onProgress: (p) => {
          const pct = Math.floor(p.fraction * 100);
          if (p.stage === lastStage && pct === lastPct) return;
          lastStage = p.stage;
          lastPct = pct;
          const eta = p.etaSeconds !== null ? `, ETA ${p.etaSeconds.toFixed(0)} s` : '';
          process.stderr.write(`deadscope: ${p.stage} ${pct}%${eta}\n`);
        },
      },
    );
    (engine as FisherEngine | null)?.dispose();
    for (const w of result.warnings) process.stderr.write(`deadscope: warning: ${w}\n`);
    const json = `${JSON.stringify(result, null, 1)}\n`;
    if (args.out) await writeFile(args.out, json);
    else process.stdout.write(json);
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof SafetensorsError) {
      process.stderr.write(`deadscope: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ArchitectureError) {
      process.stderr.write(`deadscope: ${checkpointPath}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`deadscope: internal error: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    for (const f of open) await f.close().catch(() => undefined);
  }
}
