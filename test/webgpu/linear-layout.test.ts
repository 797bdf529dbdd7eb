/**
 * The WebGPU engine on linears in their stored layouts (Conv1D [in, out], W_Q [H, in, dh],
 * W_O [H, dh, out], per position, a residual add): F against the f64 CPU engine within f32 accuracy.
 */
import { describe, it } from 'vitest';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { lnMean } from '../../src/detectors/layernorm.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { layoutGraph } from '../helpers/layouts.ts';
import { skipNote, testGpu } from './gpu.ts';
import { expectGpuFisherAsCpu, f64Reference } from './parity.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on stored linear layouts${skipNote(gpu)}`, () => {
  it('equals the f64 CPU engine', async () => {
    const graph = layoutGraph();
    const rng = createRng(31);
    const params = randomParams(graph, rng);
    const c = { graph, params, probe: randomProbe(graph, 9, rng), head: 'classification' as const };
    const { cpu, ctx } = await f64Reference(c, rng);
    const queries: FisherQuery[] = [];
    for (const d of [...(await bottomSubspace.detect(ctx)).slice(0, 12), ...lnMean.detect(ctx)]) for (const t of [1e-2, 0.3]) queries.push(linePoint(d.direction(), t));
    for (const name of ['mlp.c_fc.weight', 'attn.q.weight', 'attn.o.weight', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 3] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['attn.q.weight'], rng), tangent: randomPatch(params, ['attn.o.weight', 'mlp.c_proj.bias'], rng) });
    await expectGpuFisherAsCpu(gpu!, c, cpu, queries, { maxQueriesPerBatch: 5, maxSamplesPerBatch: 4 });
  });
});
