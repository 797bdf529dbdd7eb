/**
 * Where a read's scan time goes, per detector: loads the model (probe N), runs the CPU engine's
 * forward pass and every detector, then times the first direction of each detector (its line and
 * orbit points) and projects that to all of the detector's directions. For the transformer cases,
 * whose full read takes too long to profile whole.
 *
 *   npx tsx bench/gpt2-split.ts CKPT CONFIG PROBE DETECTORS [f32|f64]
 */
import { fileSource } from '../src/format/node-source.ts';
import { loadModel, pickSettings } from '../src/read/pipeline.ts';
import { detectorsById } from '../src/detectors/registry.ts';
import { CpuEngine } from '../src/engine/cpu/engine.ts';
import { createRng } from '../src/math/random.ts';
import { scanGrid } from '../src/read/settings.ts';
import { linePoint } from '../src/engine/types.ts';
import { readFileSync } from 'node:fs';
const [ckpt, cfg, probe, dets, precision] = process.argv.slice(2);
const t0 = performance.now();
const m = await loadModel({ checkpoint: await fileSource(ckpt), checkpointName: ckpt, configText: readFileSync(cfg, 'utf8'), configName: cfg },
  { backend: 'cpu', probe: Number(probe), detectors: dets.split(',') });
console.log('load', (performance.now() - t0).toFixed(0), 'ms', m.graph.nodes.map((n) => n.op.kind).join(' '), 'head', m.head, 'probe', m.probe.count, m.probe.shape);
const engine = new CpuEngine({ precision: (precision ?? 'f32') as 'f32' });
let t = performance.now();
await engine.prepare(m.graph, m.params, m.probe, m.head);
console.log('prepare', (performance.now() - t).toFixed(0), 'ms');
const values = await engine.values();
const settings = pickSettings(m.options);
const ctx = { model: m.graph, params: m.params, probe: m.probe, head: m.head, values, settings, rng: createRng(m.options.seed) };
const byDet = new Map<string, any[]>();
for (const d of detectorsById(m.options.detectors)) {
  t = performance.now();
  const c = await d.detect(ctx as never);
  console.log('detect', d.id, c.length, 'candidates', (performance.now() - t).toFixed(0), 'ms', c.filter((x) => x.orbit).length, 'with orbit');
  if (c.length) byDet.set(d.id, c);
}
const grid = scanGrid(settings);
for (const [id, cs] of byDet) {
  // a batch of directions, as the read hands them to the engine (16)
  const batch = cs.slice(0, Number(process.env.BATCH ?? 1));
  const qs = [];
  for (const c of batch) {
    const v = c.direction();
    for (const tt of grid) qs.push(linePoint(v, tt));
    if (c.orbit) for (const tt of grid) qs.push(c.orbit(tt));
  }
  const c = batch[0];
  // QMAX: only the first queries (a profile of the slow paths)
  if (process.env.QMAX) qs.length = Math.min(qs.length, Number(process.env.QMAX));
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const F = await engine.directionalFisher(qs);
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  console.log('cpu', ((cpu.user + cpu.system) / 1000).toFixed(0), 'ms');
  console.log('scan', id, c.id, qs.length, 'queries', ms.toFixed(0), 'ms', 'projected', (ms * cs.length / batch.length / 1000 * (process.env.QMAX ? qs.length / Number(process.env.QMAX) : 1)).toFixed(0), 's for', cs.length, 'F', Array.from(F.slice(0, 3)).map((x) => x.toExponential(3)).join(' '));
}
