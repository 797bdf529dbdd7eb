import { describe, expect, it } from 'vitest';
import { axisAlignment, axisAlignmentForRank, deadRank } from '../../src/read/alignment.ts';
import { matMul, randomOrthogonal, transpose } from '../../src/math/linalg.ts';
import { createRng } from '../../src/math/random.ts';

/** A = Q diag(λ) Qᵀ */
function fromSpectrum(Q: Float64Array, lam: number[]): Float64Array {
  const d = lam.length;
  const D = new Float64Array(d * d);
  lam.forEach((l, i) => (D[i * d + i] = l));
  return matMul(matMul(Q, D, d, d, d), transpose(Q, d, d), d, d, d);
}

describe('axis alignment (METHOD §5)', () => {
  it('a dead subspace spanned by single neurons → 1', () => {
    const d = 12;
    // a generic live part on neurons 3..11, neurons 0, 1, 2 dead (zero rows and columns)
    const rng = createRng(3);
    const X = new Float64Array(d * 50);
    for (let i = 3; i < d; i++) for (let s = 0; s < 50; s++) X[i * 50 + s] = rng.normal();
    const A = matMul(X, transpose(X, d, 50), d, 50, d);
    const a = axisAlignment(A, d);
    expect(a.r).toBe(3);
    expect(a.d).toBe(12);
    expect(a.baseline).toBeCloseTo(0.25, 15);
    expect(a.value).toBeCloseTo(1, 12);
    expect(a.leverage.slice(0, 3).every((l) => Math.abs(l - 1) < 1e-12)).toBe(true);
    expect(a.leverage.slice(3).every((l) => l < 1e-12)).toBe(true);
    expect(a.leverage.reduce((s, x) => s + x, 0)).toBeCloseTo(3, 12);
  });

  it('a randomly rotated dead subspace → close to r/d for large d', () => {
    const d = 400;
    const Q = randomOrthogonal(d, createRng(5));
    // top-r leverages of a random r-subspace: ≈ 2 ln d / d for r = 1, → r/d as r grows
    const bound: Record<number, number> = { 1: (4 * Math.log(d)) / d, 20: (2 * 20) / d, 100: (1.3 * 100) / d };
    for (const r of [1, 20, 100]) {
      const lam = Array.from({ length: d }, (_, i) => (i < r ? 0 : 1 + i / d));
      const a = axisAlignment(fromSpectrum(Q, lam), d);
      expect(a.r).toBe(r);
      expect(a.value).toBeGreaterThanOrEqual(r / d - 1e-12);
      expect(a.value).toBeLessThan(bound[r]);
    }
  });

  it('value lies in [r/d, 1]; rank override and axisAlignmentForRank agree', () => {
    const d = 8;
    const Q = randomOrthogonal(d, createRng(9));
    const A = fromSpectrum(Q, [1e-9, 1e-8, 0.5, 1, 2, 3, 4, 5]);
    const a = axisAlignment(A, d);
    expect(a.r).toBe(2);
    expect(a.value).toBeGreaterThanOrEqual(a.baseline - 1e-12);
    expect(a.value).toBeLessThanOrEqual(1 + 1e-12);
    const b = axisAlignment(A, d, 1e-4, 3);
    const c = axisAlignmentForRank(A, d, 3);
    expect(b.r).toBe(3);
    expect(c).toEqual(b);
    expect(() => axisAlignmentForRank(A, d, 0)).toThrow();
    expect(() => axisAlignmentForRank(A, d, 9)).toThrow();
  });

  it('deadRank: eigenvalues below rel × largest, at least 1; all dead when A = 0', () => {
    expect(deadRank([1e-9, 1e-5, 1], 1e-4)).toBe(2);
    expect(deadRank([0.5, 0.9, 1], 1e-4)).toBe(1);
    expect(deadRank([0, 0, 0], 1e-4)).toBe(3);
    expect(axisAlignment(new Float64Array(9), 3).value).toBeCloseTo(1, 14);
    expect(deadRank([1e-3, 1e-2, 1], 0.05)).toBe(2);
  });
});
