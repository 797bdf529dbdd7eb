/**
 * What holds a GPT-2-small-shaped checkpoint's weights, in which dtype, when it is stored as F32, F16
 * or BF16 (issues 10 and 12): the parameter set handed to the engine (its arrays' type and bytes,
 * against the tensors' stored bytes) and the peak RSS, for the whole network (stopped as its forward
 * pass starts) and a block-local read of the first block (the parameter set is block 1's; stopped after
 * block 1's read, as block 2 is prepared; probe 8, the LayerNorm gauge detectors). Each case runs in its own process, so its peak RSS is its own.
 *
 *   npx tsx bench/stored-dtype-memory.ts [--dir DIR] [--webgpu]
 *
 * `--webgpu` adds the WebGPU engine (in Node through Dawn: run under `node scripts/with-swiftshader.mjs`
 * here, where SwiftShader's "GPU" buffers are host memory and count in the RSS).
 *
 * The F16 and BF16 files are the F32 file (bench/write-gpt2.ts) rounded to nearest even, tensor by
 * tensor (one tensor in memory at a time), with the same header order.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../src/format/node-source.ts';
import { openSafetensors } from '../src/format/safetensors.ts';
import { numberToBF16Bits, numberToF16Bits } from '../src/format/dtype.ts';
import { readCheckpoint } from '../src/read/pipeline.ts';
import { CpuEngine } from '../src/engine/cpu/engine.ts';
import type { ParamSet } from '../src/engine/types.ts';
import { WebGpuEngine } from '../src/engine/webgpu/engine.ts';
import { findDevice } from '../src/engine/select.ts';
import { HalfTensor, decodedBytesKept, heldBytes as heldBytesOf } from '../src/format/held-tensor.ts';
import type { ReadOptions } from '../src/read/options.ts';
import { GPT2_SMALL, openWithHeader, writeGpt2 } from './write-gpt2.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | null => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : null;
};

interface Held {
  wallMs: number; peakRssBytes: number; graphs: number; heldBytes: number; arrays: Record<string, number>; storedBytes: number;
  /** decoded float32 copies of 16-bit tensors kept by the cache at the stop */
  decodedBytes: number;
  /** the WebGPU engine's params buffer (0 on the CPU engine) */
  gpuParamBytes: number;
}

if (argv[0] === '--child') {
  const path = argv[1];
  const configPath = flag('config')!;
  const graphs = Number(flag('graphs') ?? 1);
  const backend = (flag('backend') ?? 'cpu') as 'cpu' | 'webgpu';
  // --after: stop when the graph's prepare has finished (the forward pass run: every tensor used once)
  const after = argv.includes('--after');
  const options: Partial<ReadOptions> = { backend, precision: 'f32', probe: Number(flag('probe') ?? 8), detectors: (flag('detectors') ?? 'node-death').split(',') };
  if (flag('scope')) options.scope = flag('scope') as ReadOptions['scope'];
  const started = performance.now();
  const checkpoint = await fileSource(path);
  const file = await openSafetensors(checkpoint, path);
  const stored = new Map(file.tensors.map((t) => [t.name, t.byteLength]));
  // the engine records, at each prepare, the arrays the parameter set holds; the `graphs`-th prepare stops the process
  let seen = 0;
  const arrays: Record<string, number> = {};
  let heldBytes = 0, storedBytes = 0;
  let gpu: WebGpuEngine | null = null;
  const stop = () => {
    const out: Held = {
      wallMs: performance.now() - started, peakRssBytes: process.resourceUsage().maxRSS * 1024, graphs: seen, heldBytes, arrays, storedBytes,
      decodedBytes: decodedBytesKept(), gpuParamBytes: gpu?.paramBufferBytes ?? 0,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exit(0);
  };
  const record = (params: ParamSet) => {
    // the first graph's parameter set (the whole network, or block 1)
    if (seen === 0) for (const [name, t] of params) {
      const kind = t instanceof HalfTensor ? `Uint16Array (${t.dtype} words)` : t.data.constructor.name;
      arrays[kind] = (arrays[kind] ?? 0) + 1;
      heldBytes += heldBytesOf(t);
      storedBytes += stored.get(name) ?? stored.get(name.replace(/\[.*\]$/, '')) ?? 0;
    }
  };
  class Recording extends CpuEngine {
    override async prepare(...args: Parameters<CpuEngine['prepare']>): Promise<void> {
      record(args[1]);
      if (++seen === graphs && !after) stop();
      await super.prepare(...args);
      if (seen === graphs) stop();
    }
  }
  let engine: CpuEngine | WebGpuEngine;
  if (backend === 'webgpu') {
    const dev = await findDevice('node');
    if ('reason' in dev) throw new Error(dev.reason);
    class RecordingGpu extends WebGpuEngine {
      override async prepare(...args: Parameters<WebGpuEngine['prepare']>): Promise<void> {
        record(args[1]);
        if (++seen === graphs && !after) stop();
        await super.prepare(...args);
        if (seen === graphs) stop();
      }
    }
    engine = gpu = new RecordingGpu(dev.device, dev.description);
  } else engine = new Recording({ precision: 'f32' });
  await readCheckpoint({ checkpoint, checkpointName: path, configText: readFileSync(configPath, 'utf8'), configName: configPath }, options, engine);
  throw new Error('the read ended before the stop');
}

/** `src` (all F32) rewritten with every tensor rounded to `dtype`, header in the same order. */
async function convert(src: string, dst: string, dtype: 'F16' | 'BF16'): Promise<void> {
  const source = await fileSource(src);
  const file = await openSafetensors(source, src);
  const header: Record<string, unknown> = { __metadata__: file.metadata ?? {} };
  let off = 0;
  for (const t of file.tensors) {
    header[t.name] = { dtype, shape: t.shape, data_offsets: [off, off + 2 * t.elements] };
    off += 2 * t.elements;
  }
  const fd = openWithHeader(dst, header);
  const encode = dtype === 'F16' ? numberToF16Bits : numberToBF16Bits;
  for (const t of file.tensors) {
    const values = (await file.read(t.name)).data as Float32Array;
    const words = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) words[i] = encode(values[i]!);
    writeSync(fd, Buffer.from(words.buffer));
  }
  closeSync(fd);
  await source.close();
}

const dir = flag('dir') ?? mkdtempSync(join(tmpdir(), 'deadscope-dtype-memory-'));
const config = join(dir, 'gpt2-small.config.json');
const files = { F32: join(dir, 'gpt2-small-f32.safetensors'), F16: join(dir, 'gpt2-small-f16.safetensors'), BF16: join(dir, 'gpt2-small-bf16.safetensors') };
if (!existsSync(files.F32)) writeGpt2(files.F32, config, GPT2_SMALL, 7);
for (const d of ['F16', 'BF16'] as const) if (!existsSync(files[d])) await convert(files.F32, files[d], d);

const once = (args: string[]): Held => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Held;
};
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const webgpu = argv.includes('--webgpu');
console.log('| stored | file | case | parameter set: arrays | held bytes | stored bytes of those tensors | decoded copies kept | GPU params buffer | wall to the stop | peak RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const d of ['F32', 'F16', 'BF16'] as const) {
  const cases: [string, string[]][] = [
    ['whole network, cpu, at its first prepare', [files[d], '--config', config]],
    ['whole network, cpu, after its first prepare (forward pass over all tensors)', [files[d], '--config', config, '--after']],
    // probe 1: SwiftShader computes the forward pass on the CPU, slowly; the parameters do not depend on it
    ...(webgpu ? [['whole network, webgpu, after its first prepare (probe 1)', [files[d], '--config', config, '--after', '--backend', 'webgpu', '--probe', '1']] as [string, string[]]] : []),
    ['block-local: block 1 (ln_1 → c_attn) held; stopped after its read (LayerNorm gauges)', [files[d], '--config', config, '--scope', 'block-local', '--graphs', '2', '--detectors', 'ln-mean,ln-scale,ln-kernel']],
  ];
  for (const [name, args] of cases) {
    const r = once(args);
    const arrays = Object.entries(r.arrays).map(([k, v]) => `${v} × ${k}`).join(', ');
    console.log(`| ${d} | ${mib(statSync(files[d]).size)} | ${name} | ${arrays} | ${mib(r.heldBytes)} | ${mib(r.storedBytes)} | ${mib(r.decodedBytes)} | ${r.gpuParamBytes ? mib(r.gpuParamBytes) : '–'} | ${(r.wallMs / 1000).toFixed(2)} s | ${mib(r.peakRssBytes)} |`);
  }
}
if (!flag('dir')) rmSync(dir, { recursive: true, force: true });
