/**
 * The WebGPU engine on a tiny ViT block (patchify, CLS token, positions, fused qkv sliced three
 * ways, attention, layer scale, a residual add, take): F against the f64 CPU engine within f32
 * accuracy.
 */
import { describe, it } from 'vitest';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { vitGraph } from '../helpers/vit.ts';
import { skipNote, testGpu } from './gpu.ts';
import { expectGpuFisherAsCpu, f64Reference } from './parity.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a ViT block${skipNote(gpu)}`, () => {
  it('equals the f64 CPU engine', async () => {
    const graph = vitGraph();
    const rng = createRng(43);
    const params = randomParams(graph, rng);
    const c = { graph, params, probe: randomProbe(graph, 7, rng), head: 'classification' as const };
    const queries: FisherQuery[] = [];
    for (const name of ['patch.weight', 'emb.cls_token', 'pos.weight', 'qkv.weight', 'o.bias', 'ls1.lambda1', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['ls1.lambda1', 'emb.cls_token'], rng), tangent: randomPatch(params, ['qkv.weight', 'ls1.lambda1'], rng) });
    const { cpu } = await f64Reference(c, rng);
    await expectGpuFisherAsCpu(gpu!, c, cpu, queries, { maxQueriesPerBatch: 3, maxSamplesPerBatch: 4 });
  });
});
