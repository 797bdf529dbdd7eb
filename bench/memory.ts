/**
 * Peak RSS of loading big checkpoints (issue 10: tensors held in their stored precision, block by
 * block): each case runs in its own process, so its peak RSS is its own.
 *
 *   npx tsx bench/memory.ts [--dir DIR]      # writes the files into DIR (default a temp folder), prints a table
 *
 * Cases:
 *  - a 100 M-parameter random ReLU MLP (F32, 384 MiB), whole read stopped at its forward pass (all
 *    tensors loaded, nothing computed);
 *  - the GPT-2-small-shaped file (124 M parameters, 475 MiB F32, bench/write-gpt2.ts): the whole
 *    network opened up to its forward pass, and a block-local read of its first block (probe 8).
 *
 * Child mode (one case): `npx tsx bench/memory.ts --child CKPT [--config F] [--scope S] [--blocks K]`
 * stops (exits) when the (K + 1)-th forward pass starts, i.e. after K graphs were read (K = 0: all
 * tensors of the whole read or of the first block loaded, nothing computed), and prints one JSON
 * line: the wall time to the stop, the peak RSS, the number of blocks read.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../src/format/node-source.ts';
import { readCheckpoint } from '../src/read/pipeline.ts';
import { CpuEngine } from '../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../src/read/options.ts';
import { writeSafetensors } from './write-mlp.ts';
import { GPT2_SMALL, writeGpt2 } from './write-gpt2.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | null => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : null;
};

if (argv[0] === '--child') {
  const path = argv[1];
  const configPath = flag('config');
  // stop when the (blocks + 1)-th forward pass starts: `blocks` graphs have been read (0: nothing computed)
  const blocks = Number(flag('blocks') ?? 0);
  const options: Partial<ReadOptions> = { backend: 'cpu', precision: 'f32', probe: Number(flag('probe') ?? 8), detectors: (flag('detectors') ?? 'node-death').split(',') };
  if (flag('scope')) options.scope = flag('scope') as ReadOptions['scope'];
  const started = performance.now();
  const checkpoint = await fileSource(path);
  let passes = 0;
  // the process ends at the stop, so the peak RSS is that of the work up to it and nothing after
  const done = () => {
    process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - started, peakRssBytes: process.resourceUsage().maxRSS * 1024, blocks: Math.max(0, passes - 1) })}\n`);
    process.exit(0);
  };
  await readCheckpoint({
    checkpoint, checkpointName: path, configText: configPath ? readFileSync(configPath, 'utf8') : null, configName: configPath,
  }, options, new CpuEngine({ precision: 'f32' }), {
    onProgress: (p) => {
      if (p.stage === 'forward pass' && passes++ === blocks) done();
    },
  });
  done();
}

const dir = flag('dir') ?? mkdtempSync(join(tmpdir(), 'deadscope-memory-'));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const once = (args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { wallMs: number; peakRssBytes: number; blocks: number };
};

const mlp = join(dir, 'mlp-100m.safetensors');
const mlpWidths = [1024, 8192, 8192, 4096, 10];
if (!existsSync(mlp)) writeSafetensors(mlp, mlpWidths, 1);
const gpt2 = join(dir, 'gpt2-small.safetensors');
const gpt2Config = join(dir, 'gpt2-small.config.json');
if (!existsSync(gpt2)) writeGpt2(gpt2, gpt2Config, GPT2_SMALL, 7);

const rows: [string, ReturnType<typeof once>][] = [
  [`random ReLU MLP ${mlpWidths.join('→')} (1.0e+8 params, F32): whole read up to its forward pass`, once([mlp])],
  ['GPT-2-small-shaped (1.2e+8 params, F32): whole network up to its forward pass', once([gpt2, '--config', gpt2Config])],
  ['GPT-2-small-shaped: block-local, its first block (ln_1 → c_attn) read, LayerNorm gauges, probe 8', once([gpt2, '--config', gpt2Config, '--scope', 'block-local', '--blocks', '1', '--detectors', 'ln-mean,ln-scale,ln-kernel'])],
];
console.log('| case | wall to the stop | peak RSS |\n| --- | --- | --- |');
for (const [name, r] of rows) console.log(`| ${name} | ${(r.wallMs / 1000).toFixed(2)} s | ${mib(r.peakRssBytes)} |`);
if (!flag('dir')) rmSync(dir, { recursive: true, force: true });
