/**
 * The centred-logit head (`head: 'logits'`, METHOD notes): F_v = E ‖P J v‖² with P = I − 11ᵀ/K.
 * Checked against finite differences of the logits from a plain f64 forward pass (θ ± h·v), on
 * the CPU engine's dense f64 path and its fast unit scan (f32 and f64); the logit shift reads 0;
 * and on the saturated MNIST MLP it leaves far fewer directions at the floor than the softmax head.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint } from '../../src/engine/types.ts';
import { readFixture } from '../helpers/read.ts';
import { centredFd, dense, K, model, params, probe, unitDir } from '../helpers/logits.ts';

describe('centred-logit head', () => {
  it('F along dense and unit directions equals finite differences of the centred logits (f64 and the f32 fast scan)', async () => {
    const ts = [0, 0.1, 0.5];
    for (const precision of ['f64', 'f32'] as const) {
      const engine = new CpuEngine({ precision });
      await engine.prepare(model, params, probe, 'logits');
      for (const v of [dense, unitDir]) {
        const F = await engine.directionalFisher(ts.map((t) => linePoint(v, t)));
        ts.forEach((t, k) => {
          const ref = centredFd(params, v, t);
          expect(ref).toBeGreaterThan(0);
          expect(Math.abs(F[k] - ref) / ref).toBeLessThan(precision === 'f64' ? 1e-6 : 1e-4);
        });
      }
    }
  });

  it('the logit shift (same change to every logit) reads exactly 0 under the centred-logit head', async () => {
    const shift = new Map([['2.bias', new Float64Array(K).fill(1 / Math.sqrt(K))]]);
    const engine = new CpuEngine({ precision: 'f64' });
    await engine.prepare(model, params, probe, 'logits');
    const [Fshift, Fdense] = await engine.directionalFisher([linePoint(shift, 0), linePoint(dense, 0)]);
    expect(Fshift).toBeLessThan(1e-28 * Fdense);
  });

  it('the saturated MNIST MLP: the softmax head leaves most directions at the floor, the centred logits few', async () => {
    const options = { inputCap: 16, tMin: 1e-2, perDecade: 1, liveProbes: 2, detectors: ['node-death'], precision: 'f64' as const };
    const soft = await readFixture('mnist-mlp-dfdx.safetensors', { ...options, head: 'classification' }, 'mnist-test-1000.safetensors');
    const cent = await readFixture('mnist-mlp-dfdx.safetensors', { ...options, head: 'logits' }, 'mnist-test-1000.safetensors');
    expect(soft.saturation!.share).toBeGreaterThan(0.5);
    expect(cent.settings.head).toBe('logits');
    const atFloor = (r: typeof soft) => r.directions.filter((d) => d.ratio !== null && d.ratio < r.settings.floorRatio).length;
    const flat = (r: typeof soft) => r.directions.filter((d) => d.class === 'flat').length;
    // measured: softmax 564 of 672 at the floor (437 flat); centred logits 134 (the 127 inactive units' + 7 flat)
    expect(atFloor(cent)).toBeLessThan(atFloor(soft) / 3);
    expect(flat(cent)).toBeLessThan(flat(soft) / 20);
    // never-firing units are at the floor under either head: they do not depend on the likelihood
    const inactive = (r: typeof soft) => r.directions.filter((d) => d.class === 'inactive').length;
    expect(inactive(cent)).toBe(inactive(soft));
  });
});
