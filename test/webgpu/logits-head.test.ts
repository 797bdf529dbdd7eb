/**
 * The centred-logit head on the WebGPU engine (shaders/fisher.wgsl, head 2): F against finite
 * differences of the centred logits from a plain f64 forward pass (test/helpers/logits.ts).
 */
import { describe, expect, it } from 'vitest';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { linePoint } from '../../src/engine/types.ts';
import { centredFd, dense, model, params, probe, unitDir } from '../helpers/logits.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe(`WebGPU centred-logit head${skipNote(gpu)}`, () => {
  it.skipIf(!gpu)('F along dense and unit directions equals finite differences of the centred logits (f32: 1e-3)', async () => {
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 16 });
    await engine.prepare(model, params, probe, 'logits');
    const ts = [0, 0.1, 0.5];
    for (const v of [dense, unitDir]) {
      const F = await engine.directionalFisher(ts.map((t) => linePoint(v, t)));
      ts.forEach((t, k) => {
        const ref = centredFd(params, v, t);
        expect(Math.abs(F[k] - ref) / ref).toBeLessThan(1e-3);
      });
    }
    engine.dispose();
  });
});
