import { describe, expect, it } from 'vitest';
import {
  assembleGlobal,
  chainProduct,
  reducedRankLambda,
  separableSum,
  transversalCrossing,
  type AssemblyDirection,
} from '../../src/read/assembly.ts';

describe('separable sum and transversal crossing', () => {
  it('separable: λ = Σ 1/(2k_i) + n_regular/2, m = 1', () => {
    expect(separableSum([2, 3], 4)).toEqual({ lambda: 1 / 4 + 1 / 6 + 2, m: 1 });
    expect(separableSum([], 3)).toEqual({ lambda: 1.5, m: 1 });
    expect(separableSum([1, 1]).lambda).toBe(separableSum([], 2).lambda);
    expect(() => separableSum([0])).toThrow();
    expect(() => separableSum([2], -1)).toThrow();
  });

  it('transversal: λ = min 1/(2k_i), m = ties at the minimum', () => {
    expect(transversalCrossing([2, 3, 3])).toEqual({ lambda: 1 / 6, m: 2 });
    expect(transversalCrossing([1])).toEqual({ lambda: 0.5, m: 1 });
    expect(transversalCrossing([4, 2, 1])).toEqual({ lambda: 1 / 8, m: 1 });
    expect(() => transversalCrossing([])).toThrow();
  });

  it('width-one chain (Π w_i)²: λ = 1/2, m = L (METHOD §8)', () => {
    for (const L of [1, 2, 3, 5, 10]) expect(chainProduct(L)).toEqual({ lambda: 0.5, m: L });
    expect(() => chainProduct(0)).toThrow();
  });
});

describe('reduced rank: Aoyagi–Watanabe (METHOD §6)', () => {
  it('the nine check values, N = 5, M = 3', () => {
    const cases: [number, number, number, number][] = [
      // H, r, λ, m
      [1, 0, 3 / 2, 1],
      [1, 1, 7 / 2, 1],
      [2, 0, 3, 1],
      [2, 1, 9 / 2, 1],
      [2, 2, 6, 1],
      [3, 0, 9 / 2, 2], // M+N+H+r = 11 odd: bracket 35 + 1 = 36, m = 2
      [3, 1, 11 / 2, 1],
      [3, 2, 13 / 2, 1],
      [3, 3, 15 / 2, 1],
    ];
    for (const [H, r, lambda, m] of cases) {
      const got = reducedRankLambda(3, 5, H, r);
      expect(got.lambda, `H=${H} r=${r}`).toBeCloseTo(lambda, 14);
      expect(got.m, `H=${H} r=${r}`).toBe(m);
    }
  });

  it('full rank r = H = min(M, N) gives the regular count r(M+N−r)/2', () => {
    for (const [M, N] of [[3, 5], [4, 4], [6, 2]]) {
      const r = Math.min(M, N);
      expect(reducedRankLambda(M, N, r, r).lambda).toBeCloseTo((r * (M + N - r)) / 2, 14);
    }
  });

  it('each branch, including λ = MN/2 when H + r > M + N, is reachable and symmetric in M ↔ N', () => {
    expect(reducedRankLambda(2, 2, 10, 2)).toEqual({ lambda: 2, m: 1 }); // H+r > M+N
    for (const [M, N, H, r] of [[3, 5, 2, 1], [7, 2, 3, 1], [4, 4, 3, 0], [5, 5, 2, 2]]) {
      expect(reducedRankLambda(M, N, H, r)).toEqual(reducedRankLambda(N, M, H, r));
    }
  });

  it('rejects impossible ranks and non-integers', () => {
    expect(() => reducedRankLambda(3, 5, 2, 3)).toThrow();
    expect(() => reducedRankLambda(3, 5, 1.5, 0)).toThrow();
  });
});

describe('assembleGlobal', () => {
  const d = (id: string, layer: string, unit: number | null, cls: AssemblyDirection['class'], kRounded: number | null): AssemblyDirection => ({
    id,
    layer,
    unit,
    class: cls,
    kRounded,
  });

  it('groups distinct-unit singular/live directions of one layer into a separable sum', () => {
    const groups = assembleGlobal({
      directions: [
        d('fc1/u0', 'fc1', 0, 'singular', 2),
        d('fc1/u1', 'fc1', 1, 'singular', 3),
        d('fc1/u2', 'fc1', 2, 'live', 1),
        d('fc1/gauge', 'fc1', null, 'gauge', 1),
        d('fc1/u3', 'fc1', 3, 'inactive', null),
        d('fc1/u4', 'fc1', 4, 'pre-asymptotic', null),
        d('fc2/u0', 'fc2', 0, 'singular', 2),
      ],
    });
    expect(groups.length).toBe(2);
    expect(groups[0].rule).toBe('separable');
    expect(groups[0].directions).toEqual(['fc1/u0', 'fc1/u1', 'fc1/u2']);
    expect(groups[0].lambda).toBeCloseTo(1 / 4 + 1 / 6 + 1 / 2, 14);
    expect(groups[0].m).toBe(1);
    expect(groups[0].why).toContain('distinct units of fc1');
    expect(groups[1].directions).toEqual(['fc2/u0']);
    expect(groups[1].lambda).toBe(0.25);
  });

  it('directions not on their own unit are left alone, not summed', () => {
    const groups = assembleGlobal({
      directions: [
        d('a', 'fc', 0, 'singular', 2),
        d('b', 'fc', 0, 'singular', 2),
        d('c', 'fc', null, 'singular', 3),
      ],
    });
    expect(groups.map((g) => g.directions)).toEqual([['a'], ['b'], ['c']]);
    expect(groups[1].why).toContain('second direction on unit 0');
    expect(groups[2].why).toContain('not one unit');
    expect(groups[2].lambda).toBeCloseTo(1 / 6, 14);
  });

  it('an identity-activation chain becomes one determinantal group', () => {
    const groups = assembleGlobal({
      directions: [
        d('l1/u0', 'l1', 0, 'singular', 2),
        d('l2/u0', 'l2', 0, 'live', 1),
        d('l3/u0', 'l3', 0, 'singular', 2),
      ],
      chains: [{ layers: ['l1', 'l2'], M: 3, H: 3, N: 5, r: 0 }],
    });
    expect(groups[0].rule).toBe('determinantal');
    expect(groups[0].lambda).toBeCloseTo(4.5, 14);
    expect(groups[0].m).toBe(2);
    expect(groups[0].directions).toEqual(['l1/u0', 'l2/u0']);
    expect(groups[0].why).toContain('M=3, H=3, N=5, rank r=0');
    expect(groups[1].rule).toBe('separable');
    expect(groups[1].directions).toEqual(['l3/u0']);
  });

  it('rejects a layer in two chains and a singular direction without an order', () => {
    expect(() =>
      assembleGlobal({
        directions: [],
        chains: [
          { layers: ['a', 'b'], M: 1, H: 1, N: 1, r: 0 },
          { layers: ['b', 'c'], M: 1, H: 1, N: 1, r: 0 },
        ],
      }),
    ).toThrow();
    expect(() => assembleGlobal({ directions: [d('x', 'l', 0, 'singular', null)] })).toThrow();
  });
});

describe('global (λ, m) (METHOD §6)', () => {
  it('blocks sum as separable blocks: λ = Σ λ_g, m = Σ m_g − (G − 1); alone and pre-asymptotic directions are not enumerable', async () => {
    const { globalCoefficient } = await import('../../src/read/assembly.ts');
    const dirs: AssemblyDirection[] = [
      { id: 'a0', layer: 'a', unit: 0, class: 'singular', kRounded: 2 },
      { id: 'a1', layer: 'a', unit: 1, class: 'live', kRounded: 1 },
      { id: 'ab', layer: 'a', unit: null, class: 'singular', kRounded: 3 },
      { id: 'a2', layer: 'a', unit: 2, class: 'pre-asymptotic', kRounded: null },
      { id: 'c0', layer: 'c1', unit: 0, class: 'live', kRounded: 1 },
    ];
    const groups = assembleGlobal({ directions: dirs, chains: [{ layers: ['c1', 'c2'], M: 3, H: 3, N: 5, r: 0 }] });
    const g = globalCoefficient(groups, dirs);
    // chain: Aoyagi–Watanabe (3, 5, 3, 0) = 9/2 with m = 2; layer a: 1/4 + 1/2 with m = 1
    expect(g.lambda).toBeCloseTo(4.5 + 0.75, 14);
    expect(g.m).toBe(2 + 1 - 1);
    expect(g.notEnumerable.map((x) => x.id)).toEqual(['ab', 'a2']);
    // the chain's reads (c0, the only direction on its layers, is not a bottom-subspace direction)
    // enumerate none of its 3·3 + 3·5 = 24 parameter directions: assembled 0 in place of 9/2
    expect(groups[0].closedForm).toBeCloseTo(4.5, 14);
    expect(groups[0].assembled).toBe(0);
    expect(g.assembled).toBeCloseTo(0 + 0.75, 14);
    expect(g.difference).toBeCloseTo(-4.5, 14);
    expect(g.why).toContain('assembled from its reads instead of its closed form: λ 0.75 (difference -4.5)');
  });

  it('the whole model’s λ assembled from the reads: each closed-form block replaced by its own reads, the rest as summed', async () => {
    const { globalCoefficient } = await import('../../src/read/assembly.ts');
    // 3 → 3 → 5 identity chain (layers p, q) read along 4 bottom-subspace directions: live, live,
    // singular k = 2, flat → ½ + ½ + ¼ + 0 = 5/4; beside it a layer r with a live and an order-3 unit
    const dirs: AssemblyDirection[] = [
      { id: 'p0', layer: 'p', unit: null, class: 'live', kRounded: 1, detector: 'bottom-subspace' },
      { id: 'p1', layer: 'p', unit: null, class: 'live', kRounded: 1, detector: 'bottom-subspace' },
      { id: 'q0', layer: 'q', unit: null, class: 'singular', kRounded: 2, detector: 'bottom-subspace' },
      { id: 'q1', layer: 'q', unit: null, class: 'flat', kRounded: null, detector: 'bottom-subspace' },
      { id: 'r0', layer: 'r', unit: 0, class: 'live', kRounded: 1 },
      { id: 'r1', layer: 'r', unit: 1, class: 'singular', kRounded: 3 },
    ];
    const groups = assembleGlobal({ directions: dirs, chains: [{ layers: ['p', 'q'], M: 3, H: 3, N: 5, r: 1 }] });
    const g = globalCoefficient(groups, dirs);
    expect(groups[0].assembled).toBeCloseTo(1.25, 14);
    expect(groups[0].enumerated).toBe(4);
    expect(g.lambda).toBeCloseTo(11 / 2 + 1 / 2 + 1 / 6, 14);
    expect(g.assembled).toBeCloseTo(5 / 4 + 1 / 2 + 1 / 6, 14);
    expect(g.difference).toBeCloseTo(5 / 4 - 11 / 2, 14);
    // no closed-form block: nothing to put beside λ
    const plain = dirs.slice(4);
    const h = globalCoefficient(assembleGlobal({ directions: plain }), plain);
    expect(h.assembled).toBeUndefined();
    expect(h.difference).toBeUndefined();
  });

  it('a width-one chain of three maps at the origin: transversal crossing, λ = 1/2, m = 3 (METHOD §8)', async () => {
    const { widthOneChain } = await import('../../src/read/assembly.ts');
    expect(widthOneChain([1, 1, 1, 1], 0)).toEqual({ lambda: 0.5, m: 3, rule: 'transversal' });
    expect(widthOneChain([1, 1, 1, 1, 1, 1], 0).m).toBe(5);
    // with input and output widths M, N it is ‖a‖²·w²·‖b‖²: the H = 1 rows of Aoyagi–Watanabe
    expect(widthOneChain([3, 1, 5], 0).lambda).toBeCloseTo(reducedRankLambda(3, 5, 1, 0).lambda, 14);
    expect(widthOneChain([3, 1, 5], 1).lambda).toBeCloseTo(reducedRankLambda(3, 5, 1, 1).lambda, 14);
    // rank 1: regular modulo the L − 1 rescalings
    expect(widthOneChain([1, 1, 1, 1], 1)).toEqual({ lambda: 0.5, m: 1, rule: 'separable' }); // w₁w₂w₃ = c ≠ 0: one regular direction
  });
});
