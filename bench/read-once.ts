/**
 * One read in this process, for `npm run bench`: prints one JSON line with the wall time of the
 * read (files opened → JSON built), the multiply-adds the CPU engine's fast scans counted, the
 * process's peak RSS and the F of every direction (to compare with the NumPy peer).
 *
 *   npx tsx bench/read-once.ts CKPT [--inputs F] [--config F] [--precision f32|f64] [--detectors a,b] [--probe N]
 *     [--input-cap N] [--input-scale X] [--threads N] [--layers a,b] [--scope whole|block-local|auto] [--open-only]
 *
 * --open-only: stops at the read's first progress event (file opened, graph or blocks planned,
 * tensors and probe loaded, nothing computed) and prints that time as wallMs.
 */
import { fileSource } from '../src/format/node-source.ts';
import { readCheckpoint } from '../src/read/pipeline.ts';
import { CancelledError } from '../src/engine/types.ts';
import { readFileSync } from 'node:fs';
import { CpuEngine } from '../src/engine/cpu/engine.ts';
import { PooledCpuEngine } from '../src/fast/pool.ts';
import { macCounter } from '../src/fast/gemm.ts';
import type { ReadOptions } from '../src/read/options.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | null => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : null;
};
const checkpointPath = argv[0];
const inputsPath = flag('inputs');
const precision = (flag('precision') ?? 'f32') as 'f32' | 'f64';
const options: Partial<ReadOptions> = { backend: 'cpu', precision };
if (flag('detectors')) options.detectors = flag('detectors')!.split(',');
if (flag('probe')) options.probe = Number(flag('probe'));
if (flag('input-cap')) options.inputCap = Number(flag('input-cap'));
if (flag('input-scale')) options.inputScale = Number(flag('input-scale'));
if (flag('layers')) options.layers = flag('layers')!.split(',');
if (flag('scope')) options.scope = flag('scope') as ReadOptions['scope'];
const threads = Number(flag('threads') ?? 1);
const configPath = flag('config');

/** CPU time of this (the main) thread alone, from Linux's /proc (10 ms ticks); null elsewhere. */
const mainThreadCpuMs = (): number | null => {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
};
const started = performance.now();
const cpuStart = process.cpuUsage();
const mainStart = mainThreadCpuMs();
const checkpoint = await fileSource(checkpointPath);
const inputs = inputsPath ? await fileSource(inputsPath) : null;
const engine = threads > 1 ? new PooledCpuEngine({ precision, threads }) : new CpuEngine({ precision });
const openOnly = argv.includes('--open-only');
const stop = new AbortController();
let openMs: number | null = null;
const read = readCheckpoint({
  checkpoint, checkpointName: checkpointPath, inputs, inputsName: inputsPath,
  configText: configPath ? readFileSync(configPath, 'utf8') : null, configName: configPath,
}, options, engine, {
  signal: stop.signal,
  onProgress: () => {
    if (!openOnly || openMs !== null) return;
    openMs = performance.now() - started;
    stop.abort();
  },
});
if (openOnly) {
  await read.catch((e) => { if (!(e instanceof CancelledError)) throw e; });
  engine.dispose();
  await checkpoint.close();
  process.stdout.write(`${JSON.stringify({ wallMs: openMs, macs: 0, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  process.exit(0);
}
const result = await read;
engine.dispose();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
const mainEnd = mainThreadCpuMs();
await checkpoint.close();
await inputs?.close();
process.stdout.write(`${JSON.stringify({
  wallMs, cpuMs: (cpu.user + cpu.system) / 1000, ...(mainStart !== null && mainEnd !== null ? { mainThreadCpuMs: mainEnd - mainStart } : {}), macs: macCounter.value, peakRssBytes: process.resourceUsage().maxRSS * 1024,
  timing: result.timing, params: result.checkpoint.params, directions: result.directions.length, queries: result.timing.queries,
  classes: result.directions.map((d) => [d.id, d.class, d.kRounded]),
  alignment: Object.fromEntries(result.layers.map((L) => [L.layer, L.axisAlignment ? [L.axisAlignment.r, L.axisAlignment.value] : null])),
  F: Object.fromEntries(result.directions.map((d) => [d.id, d.scan.F])),
})}\n`);
