/**
 * The WebGPU engine on a branching graph (a residual block: add with two inputs, a value read
 * twice), value-keyed dense plan: F against the f64 CPU engine on node-death, bottom-subspace and
 * single-weight directions, within f32 accuracy.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { createRng, randomParams, randomProbe } from '../helpers/models.ts';
import { residualGraph } from '../helpers/residual.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a residual graph${skipNote(gpu)}`, () => {
  for (const head of ['classification', 'regression'] as const) it(`equals the f64 CPU engine (${head})`, async () => {
    const g = residualGraph();
    const rng = createRng(17);
    const params = randomParams(g, rng);
    const probe = randomProbe(g, 11, rng);
    const cpu = new CpuEngine({ precision: 'f64' });
    await cpu.prepare(g, params, probe, head);
    const ctx = { model: g, params, probe, head, values: await cpu.values(), settings: DEFAULT_SETTINGS, rng };
    const queries: FisherQuery[] = [];
    for (const c of [...nodeDeath.detect(ctx), ...bottomSubspace.detect(ctx)]) for (const t of [1e-2, 0.3]) queries.push(linePoint(c.direction(), t));
    for (const name of ['0.weight', '2.bias', 'ln.weight', '6.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    const want = await cpu.directionalFisher(queries);
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 5, maxSamplesPerBatch: 4 });
    await engine.prepare(g, params, probe, head);
    const got = await engine.directionalFisher(queries);
    expect(engine.lastStats.shapes.every((s) => s.mode.startsWith('graph('))).toBe(true);
    const top = Math.max(...want);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `query ${i}: ${got[i]} vs ${w}`).toBeLessThan(1e-4 * Math.max(w, 1e-3 * top)));
    engine.dispose();
  });
});
