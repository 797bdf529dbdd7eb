/**
 * Chains read end to end: a width-one three-layer identity chain at the origin (METHOD §8:
 * (Π w_i)², λ = 1/2, m = 3) and the reduced-rank fixture against Aoyagi–Watanabe, with the λ
 * assembled from the chain's own reads beside the closed form.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { linearChains, readCheckpoint } from '../../src/read/pipeline.ts';
import { inferArchitecture } from '../../src/model/infer.ts';
import type { ParamSet } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { reducedRankLambda } from '../../src/read/assembly.ts';
import { readFixture } from '../helpers/read.ts';

describe('linear chains in a read', () => {
  it('width-one chain of three maps at the origin: one transversal group, λ = 1/2, m = 3', async () => {
    const bytes = writeSafetensors(
      ['0', '1', '2'].map((n) => ({ name: `${n}.weight`, dtype: 'F64' as const, shape: [1, 1], data: [0] })),
      { activation: 'identity', head: 'regression' },
    );
    const r = await readCheckpoint({ checkpoint: bytesSource(bytes), checkpointName: 'chain3.safetensors' }, { probe: 64, detectors: ['bottom-subspace'] }, new CpuEngine());
    const chain = r.assembly!.find((g) => g.params !== undefined)!;
    expect(chain.rule).toBe('transversal');
    expect(chain.lambda).toBe(0.5);
    expect(chain.m).toBe(3);
    expect(r.global!.lambda).toBe(0.5);
    expect(r.global!.m).toBe(3);
  });

  it('rrr_M3H3N5r1: closed form 11/2 beside the λ assembled from the chain reads, with the difference and what was not read', async () => {
    const r = await readFixture('rrr_M3H3N5r1_s1.safetensors', { detectors: ['bottom-subspace'], bottomK: 15 });
    const chain = r.assembly!.find((g) => g.rule === 'determinantal')!;
    expect(chain.closedForm).toBeCloseTo(reducedRankLambda(3, 5, 3, 1).lambda, 14);
    expect(chain.params).toBe(24);
    // layer 0 (3 → 3) has 9 K-FAC products, layer 1 (3 → 5) 15: all 24 read with bottomK 15;
    // the pre-asymptotic ones have no order and are not enumerated
    const pre = r.directions.filter((d) => d.class === 'pre-asymptotic').length;
    expect(r.directions).toHaveLength(24);
    expect(chain.enumerated).toBe(24 - pre);
    const live = r.directions.filter((d) => d.class === 'live').length;
    const sing = r.directions.filter((d) => d.class === 'singular').reduce((a, d) => a + 1 / (2 * d.kRounded!), 0);
    expect(chain.assembled).toBeCloseTo(live / 2 + sing, 14);
    expect(chain.difference).toBeCloseTo(chain.assembled! - chain.closedForm!, 14);
    expect(r.global!.lambda).toBeCloseTo(chain.lambda, 14);
    // the whole model is this one block: its λ from the reads sits beside the closed form's
    expect(r.global!.assembled).toBeCloseTo(live / 2 + sing, 14);
    expect(r.global!.difference).toBeCloseTo(live / 2 + sing - 11 / 2, 14);
  });

  describe('the rank computation is guarded by maxEigenDim and the memory limit', () => {
    // 6 → 2 → 3 (M 6, H 2, N 3): B·A has rank min(H, …) = 2 for generic weights; rank 1 when A = u vᵀ
    const tensors = [{ name: '0.weight', shape: [2, 6] }, { name: '1.weight', shape: [3, 2] }];
    const graph = inferArchitecture(tensors, { activation: 'identity' }, {});
    const params = (rankOne: boolean): ParamSet => {
      const rng = createRng(3);
      const u = [rng.normal(), rng.normal()], v = Array.from({ length: 6 }, () => rng.normal());
      const A = Float64Array.from({ length: 12 }, (_, k) => (rankOne ? u[Math.floor(k / 6)] * v[k % 6] : rng.normal()));
      const B = Float64Array.from({ length: 6 }, () => rng.normal());
      return new Map([['0.weight', { shape: [2, 6], data: A }], ['1.weight', { shape: [3, 2], data: B }]]);
    };
    it('PᵀP (6 × 6) within the limit, PPᵀ (3 × 3) when only N is: the same rank, planted 2 and 1', () => {
      for (const [rankOne, r] of [[false, 2], [true, 1]] as const) {
        const wide = linearChains(graph, params(rankOne), 1e-2, 64);
        const narrow = linearChains(graph, params(rankOne), 1e-2, 4);
        expect(wide.chains).toEqual([expect.objectContaining({ layers: ['0', '1'], M: 6, H: 2, N: 3, r })]);
        expect(narrow.chains).toEqual(wide.chains);
        expect([...wide.warnings, ...narrow.warnings]).toEqual([]);
      }
    });
    it('both sides over maxEigenDim, or over the memory limit: left out with a warning naming the number', () => {
      const eig = linearChains(graph, params(false), 1e-2, 2);
      expect(eig.chains).toEqual([]);
      expect(eig.warnings).toEqual([expect.stringMatching(/^layers 0, 1: reduced-rank chain skipped: its rank needs a 3 × 3 eigendecomposition .* above the 2 limit \(maxEigenDim\); --max-eigen-dim 3 includes it$/)]);
      // 8 B × (2 × 3 (widest after the input) × 6 + 6²) = 576 B
      const mem = linearChains(graph, params(false), 1e-2, 64, 575);
      expect(mem.chains).toEqual([]);
      expect(mem.warnings).toEqual([expect.stringMatching(/need about 0\.6 KiB, more than the 0\.6 KiB a read may use$/)]);
      expect(linearChains(graph, params(false), 1e-2, 64, 576).chains).toHaveLength(1);
    });
  });
});
