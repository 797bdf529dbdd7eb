/**
 * The WebGPU engine on linears in their stored layouts (Conv1D [in, out], W_Q [H, in, dh],
 * W_O [H, dh, out], per position, a residual add): F against the f64 CPU engine within f32 accuracy.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { lnMean } from '../../src/detectors/layernorm.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { layoutGraph } from '../helpers/layouts.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on stored linear layouts${skipNote(gpu)}`, () => {
  it('equals the f64 CPU engine', async () => {
    const g = layoutGraph();
    const rng = createRng(31);
    const params = randomParams(g, rng);
    const probe = randomProbe(g, 9, rng);
    const head = 'classification';
    const cpu = new CpuEngine({ precision: 'f64' });
    await cpu.prepare(g, params, probe, head);
    const ctx = { model: g, params, probe, head, values: await cpu.values(), settings: DEFAULT_SETTINGS, rng } as const;
    const queries: FisherQuery[] = [];
    for (const c of [...bottomSubspace.detect(ctx).slice(0, 12), ...lnMean.detect(ctx)]) for (const t of [1e-2, 0.3]) queries.push(linePoint(c.direction(), t));
    for (const name of ['mlp.c_fc.weight', 'attn.q.weight', 'attn.o.weight', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 3] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['attn.q.weight'], rng), tangent: randomPatch(params, ['attn.o.weight', 'mlp.c_proj.bias'], rng) });
    const want = await cpu.directionalFisher(queries);
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 5, maxSamplesPerBatch: 4 });
    await engine.prepare(g, params, probe, head);
    const got = await engine.directionalFisher(queries);
    const top = Math.max(...want);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `query ${i}: ${got[i]} vs ${w}`).toBeLessThan(1e-4 * Math.max(w, 1e-3 * top)));
    engine.dispose();
  });
});
