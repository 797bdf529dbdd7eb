/**
 * The two comparisons the WebGPU tests make against the CPU engine, written once:
 *  - F of a list of queries on one graph against the f64 CPU engine, within f32 accuracy
 *    (1e-4 of max(F, 1e-3·largest F));
 *  - a whole read (pipeline, detectors, classification) on both engines: the same direction ids
 *    and classes, and scans within f32 accuracy (1e-3 relative where F > 1e-6 of the direction's
 *    largest and > 1e-7·F_live, directions at the floor skipped; read-parity.test.ts says why).
 */
import { expect } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine, type WebGpuEngineOptions } from '../../src/engine/webgpu/engine.ts';
import type { FisherEngine, FisherQuery, Head, ParamSet, ProbeSet } from '../../src/engine/types.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import type { DetectorContext } from '../../src/detectors/types.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { readCheckpoint, type ReadSources } from '../../src/read/pipeline.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import type { Rng } from '../../src/math/random.ts';
import type { TestGpu } from './gpu.ts';

/** A graph with its parameters, probe and head: what both engines are prepared on. */
export interface EngineCase { graph: ModelGraph; params: ParamSet; probe: ProbeSet; head: Head }

/** The f64 CPU engine prepared on the case, and a detector context over its values (to draw directions from). */
export async function f64Reference(c: EngineCase, rng: Rng): Promise<{ cpu: CpuEngine; ctx: DetectorContext }> {
  const cpu = new CpuEngine({ precision: 'f64' });
  await cpu.prepare(c.graph, c.params, c.probe, c.head);
  return { cpu, ctx: { model: c.graph, params: c.params, probe: c.probe, head: c.head, values: await cpu.values(), settings: DEFAULT_SETTINGS, rng } };
}

/**
 * F of every query on the WebGPU engine (batches bounded by `limits`) against the prepared f64
 * CPU engine's, each within f32 accuracy. Returns the modes of the plans the WebGPU engine ran.
 */
export async function expectGpuFisherAsCpu(gpu: TestGpu, c: EngineCase, cpu: CpuEngine, queries: FisherQuery[], limits: WebGpuEngineOptions): Promise<string[]> {
  const want = await cpu.directionalFisher(queries);
  const engine = new WebGpuEngine(gpu.dev.device, gpu.dev.description, limits);
  try {
    await engine.prepare(c.graph, c.params, c.probe, c.head);
    const got = await engine.directionalFisher(queries);
    const top = Math.max(...want);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `query ${i}: ${got[i]} vs ${w}`).toBeLessThan(1e-4 * Math.max(w, 1e-3 * top)));
    return engine.lastStats.shapes.map((s) => s.mode);
  } finally {
    engine.dispose();
  }
}

/**
 * The same read on `cpu` and on the WebGPU engine, each from fresh sources (file sources closed
 * after, engines disposed): [cpu read, WebGPU read].
 */
export async function readOnBoth(gpu: TestGpu, sources: () => Promise<ReadSources>, options: Partial<ReadOptions>, cpu: FisherEngine): Promise<[ReadResult, ReadResult]> {
  const run = async (engine: FisherEngine, backend: 'cpu' | 'webgpu') => {
    const s = await sources();
    try {
      return await readCheckpoint(s, { ...options, backend }, engine);
    } finally {
      engine.dispose();
      for (const src of [s.checkpoint, s.inputs]) await (src as { close?: () => Promise<void> } | null | undefined)?.close?.();
    }
  };
  return [await run(cpu, 'cpu'), await run(new WebGpuEngine(gpu.dev.device, gpu.dev.description), 'webgpu')];
}

/**
 * Direction by direction: the ids must be equal; returns the class differences (and kRounded ones:
 * `'always'`, or `'above-floor'` where either engine's max F exceeds floor·F_live) and the largest
 * relative error of F over the points that f32 resolves.
 */
export function readDifferences(cpu: ReadResult, web: ReadResult, floor: number, kRounded: 'never' | 'above-floor' | 'always' = 'never'): { diffs: string[]; worst: number } {
  expect(web.backend).toBe('webgpu');
  expect(web.directions.map((d) => d.id)).toEqual(cpu.directions.map((d) => d.id));
  let worst = 0;
  const diffs: string[] = [];
  cpu.directions.forEach((c, i) => {
    const g = web.directions[i];
    const atFloor = Math.max(...c.scan.F, ...g.scan.F) <= floor * c.fLive;
    const kDiffers = g.kRounded !== c.kRounded && (kRounded === 'always' || (kRounded === 'above-floor' && !atFloor));
    if (g.class !== c.class || kDiffers) diffs.push(`${c.id}: cpu ${c.class}/${c.kRounded} (k ${c.k}) gpu ${g.class}/${g.kRounded} (k ${g.k}) max F/F_live cpu ${(Math.max(...c.scan.F) / c.fLive).toExponential(1)} gpu ${(Math.max(...g.scan.F) / g.fLive).toExponential(1)}`);
    const top = Math.max(...c.scan.F);
    if (top <= floor * c.fLive) return; // numerical zero in both engines
    c.scan.F.forEach((f, j) => {
      if (f > 1e-6 * top && f > 1e-7 * c.fLive) worst = Math.max(worst, Math.abs(g.scan.F[j] - f) / f);
    });
  });
  return { diffs, worst };
}
