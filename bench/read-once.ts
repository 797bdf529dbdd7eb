/**
 * One read in this process, for `npm run bench`: prints one JSON line with the wall time of the
 * read (files opened → JSON built), the multiply-adds the CPU engine's fast scans counted, the
 * process's peak RSS and the F of every direction (to compare with the NumPy peer).
 *
 *   npx tsx bench/read-once.ts CKPT [--inputs F] [--config F] [--precision f32|f64] [--detectors a,b] [--probe N]
 *     [--input-cap N] [--input-scale X] [--threads N] [--layers a,b]
 */
import { fileSource } from '../src/format/node-source.ts';
import { readCheckpoint } from '../src/read/pipeline.ts';
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
const threads = Number(flag('threads') ?? 1);
const configPath = flag('config');

const started = performance.now();
const checkpoint = await fileSource(checkpointPath);
const inputs = inputsPath ? await fileSource(inputsPath) : null;
const engine = threads > 1 ? new PooledCpuEngine({ precision, threads }) : new CpuEngine({ precision });
const result = await readCheckpoint({
  checkpoint, checkpointName: checkpointPath, inputs, inputsName: inputsPath,
  configText: configPath ? readFileSync(configPath, 'utf8') : null, configName: configPath,
}, options, engine);
engine.dispose();
const wallMs = performance.now() - started;
await checkpoint.close();
await inputs?.close();
process.stdout.write(`${JSON.stringify({
  wallMs, macs: macCounter.value, peakRssBytes: process.resourceUsage().maxRSS * 1024,
  params: result.checkpoint.params, directions: result.directions.length, queries: result.timing.queries,
  classes: result.directions.map((d) => [d.id, d.class, d.kRounded]),
  F: Object.fromEntries(result.directions.map((d) => [d.id, d.scan.F])),
})}\n`);
