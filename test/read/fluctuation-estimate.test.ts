/**
 * ν̂ (METHOD §7): the WAIC functional variance on the order-k cell with the exact grid posterior
 * approaches ν(k), computed independently by 1-D quadrature (fluctuation.ts).
 */
import { describe, expect, it } from 'vitest';
import { nuHat, nuHatCurve, nuHatFromStats, NU_HAT_SIZES } from '../../src/read/fluctuation-estimate.ts';
import { singularFluctuation } from '../../src/read/fluctuation.ts';
import { createRng } from '../../src/math/random.ts';

describe('ν̂ on the order-k cell', () => {
  for (const k of [2, 3]) {
    it(`k = ${k}: mean ν̂ over 1000 seeded draws at n = 1000 is within 0.02 of ν(${k})`, () => {
      const nu = singularFluctuation(k);
      const s = nuHat(k, 1000, 1000, 20261130 + k);
      expect(s.draws).toBe(1000);
      expect(Math.abs(s.mean - nu)).toBeLessThan(0.02);
      expect(s.se).toBeLessThan(0.006);
    });
  }

  it('k = 1 (regular): ν̂ → 1/2, and the sufficient-statistic formula equals the per-sample sum', () => {
    expect(Math.abs(nuHat(1, 1000, 1000, 5).mean - 0.5)).toBeLessThan(0.01);
    // (1/2) Σ_i Var_post[log p(y_i|s)] computed sample by sample on the same grid posterior
    const rng = createRng(11);
    const n = 50, k = 2;
    const y = Array.from({ length: n }, () => rng.normal());
    const S1 = y.reduce((a, b) => a + b, 0);
    const S2 = y.reduce((a, b) => a + b * b, 0);
    const B = ((Math.abs(S1) + Math.sqrt(S1 * S1 + 2 * n * 40)) / n) ** (1 / k);
    const P = 2001;
    const s = Array.from({ length: P }, (_, j) => -B + (2 * B * j) / (P - 1));
    const logPost = s.map((x) => y.reduce((acc, yi) => acc - 0.5 * (yi - x ** k) ** 2, 0));
    const top = Math.max(...logPost);
    const w = logPost.map((g) => Math.exp(g - top));
    const W = w.reduce((a, b) => a + b, 0);
    let V = 0;
    for (const yi of y) {
      const lp = s.map((x) => -0.5 * (yi - x ** k) ** 2);
      const m = lp.reduce((a, v, j) => a + w[j] * v, 0) / W;
      V += lp.reduce((a, v, j) => a + w[j] * (v - m) ** 2, 0) / W;
    }
    expect(nuHatFromStats(k, n, S1, S2)).toBeCloseTo(V / 2, 10);
  });

  it('the ν̂-vs-n figure data: every n, seeded (same seed → same numbers)', () => {
    const a = nuHatCurve(2, 0.173, 3);
    expect(a.nuHat.map((p) => p.n)).toEqual([...NU_HAT_SIZES]);
    expect(nuHatCurve(2, 0.173, 3)).toEqual(a);
  });
});
