/**
 * The WebGPU engine on a tiny ViT block (patchify, CLS token, positions, fused qkv sliced three
 * ways, attention, layer scale, a residual add, take): F against the f64 CPU engine within f32
 * accuracy.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { vitGraph } from '../helpers/vit.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a ViT block${skipNote(gpu)}`, () => {
  it('equals the f64 CPU engine', async () => {
    const g = vitGraph();
    const rng = createRng(43);
    const params = randomParams(g, rng);
    const probe = randomProbe(g, 7, rng);
    const head = 'classification';
    const queries: FisherQuery[] = [];
    for (const name of ['patch.weight', 'emb.cls_token', 'pos.weight', 'qkv.weight', 'o.bias', 'ls1.lambda1', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['ls1.lambda1', 'emb.cls_token'], rng), tangent: randomPatch(params, ['qkv.weight', 'ls1.lambda1'], rng) });
    const cpu = new CpuEngine({ precision: 'f64' });
    await cpu.prepare(g, params, probe, head);
    const want = await cpu.directionalFisher(queries);
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 3, maxSamplesPerBatch: 4 });
    await engine.prepare(g, params, probe, head);
    const got = await engine.directionalFisher(queries);
    const top = Math.max(...want);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `query ${i}: ${got[i]} vs ${w}`).toBeLessThan(1e-4 * Math.max(w, 1e-3 * top)));
    engine.dispose();
  });
});
