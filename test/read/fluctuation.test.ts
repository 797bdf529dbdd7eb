import { describe, expect, it } from 'vitest';
import { posteriorVariance, singularFluctuation } from '../../src/read/fluctuation.ts';

describe('singular fluctuation ν(k) (METHOD §7)', () => {
  it('reproduces ν(1…6) to 4 decimals, each in under 1 s', () => {
    const expected: Record<number, number> = { 1: 0.5, 2: 0.173, 3: 0.2784, 4: 0.1379, 5: 0.2061, 6: 0.1167 };
    for (let k = 1; k <= 6; k++) {
      const t0 = performance.now();
      const nu = singularFluctuation(k);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(Math.abs(nu - expected[k]), `k=${k}: ${nu}`).toBeLessThan(5e-5);
    }
  });

  it('is converged in the quadrature: coarser and finer rules agree to 1e-9', () => {
    for (const k of [2, 3, 6]) {
      const a = singularFluctuation(k);
      const b = singularFluctuation(k, { etaPoints: 4001, zPoints: 801, zSigmas: 10, tailLogs: 80 });
      const c = singularFluctuation(k, { etaPoints: 1001, zPoints: 201 });
      expect(Math.abs(a - b)).toBeLessThan(1e-9);
      expect(Math.abs(a - c)).toBeLessThan(1e-9);
    }
  });

  it('k = 1: the posterior is Gaussian with variance 1/2 for every Z', () => {
    for (const Z of [-10, -1, 0, 2.5, 10]) expect(posteriorVariance(1, Z)).toBeCloseTo(0.5, 12);
  });

  it('Z = 0, k = 2: Var[η²] under exp(−η⁴) = Γ(5/4)/Γ(1/4) (mean η² = Γ(3/4)/Γ(1/4))', () => {
    // Γ values to 15 digits
    const g14 = 3.625609908221908;
    const g34 = 1.225416702465178;
    const g54 = 0.906402477055477;
    const mean = g34 / g14;
    const expected = g54 / g14 - mean * mean;
    expect(posteriorVariance(2, 0)).toBeCloseTo(expected, 12);
  });

  it('odd k: Var is even in Z', () => {
    for (const Z of [0.5, 3, 7]) expect(posteriorVariance(3, Z)).toBeCloseTo(posteriorVariance(3, -Z), 12);
  });

  it('rejects non-integer orders', () => {
    expect(() => singularFluctuation(2.5)).toThrow();
    expect(() => posteriorVariance(0, 1)).toThrow();
  });
});
