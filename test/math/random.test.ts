import { describe, expect, it } from 'vitest';
import { createRng, gaussianVector, mulberry32, randomUnitVector } from '../../src/math/random.ts';

describe('seeded random numbers', () => {
  it('mulberry32 is deterministic for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xa = Array.from({ length: 10 }, a);
    expect(Array.from({ length: 10 }, b)).toEqual(xa);
    expect(Array.from({ length: 10 }, c)).not.toEqual(xa);
    for (const x of xa) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('uniforms have mean 1/2 and variance 1/12', () => {
    const u = mulberry32(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = u();
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(s2 / n - mean * mean).toBeCloseTo(1 / 12, 3);
  });

  it('normals are deterministic and have mean 0, variance 1, kurtosis 3', () => {
    expect(Array.from(gaussianVector(7, createRng(3)))).toEqual(Array.from(gaussianVector(7, createRng(3))));
    const x = gaussianVector(200_000, createRng(11));
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    const n = x.length;
    expect(m1 / n).toBeCloseTo(0, 2);
    expect(m2 / n).toBeCloseTo(1, 1);
    expect(Math.abs(m2 / n - 1)).toBeLessThan(0.01);
    expect(Math.abs(m4 / n - 3)).toBeLessThan(0.06);
  });

  it('gaussianVector draws exactly the numbers of successive normal() calls (its fast loop keeps the pairing and the spare)', () => {
    const fast = createRng(21);
    const slow = createRng(21);
    for (const n of [0, 1, 2, 7, 1, 64, 3, 1001]) {
      const v = gaussianVector(n, fast);
      const w = Array.from({ length: n }, () => slow.normal());
      expect(Array.from(v)).toEqual(w);
      // interleaved uniforms stay in step
      expect(fast.next()).toBe(slow.next());
    }
  });

  it('randomUnitVector has norm 1 and is deterministic', () => {
    for (const n of [1, 2, 5, 100]) {
      const v = randomUnitVector(n, createRng(n));
      let s = 0;
      for (const x of v) s += x * x;
      expect(s).toBeCloseTo(1, 14);
      expect(Array.from(randomUnitVector(n, createRng(n)))).toEqual(Array.from(v));
    }
    expect(() => randomUnitVector(0, createRng(0))).toThrow();
  });

  it('random unit vectors are isotropic: E[v vᵀ] ≈ I/n', () => {
    const rng = createRng(5);
    const n = 4;
    const C = new Float64Array(n * n);
    const draws = 20_000;
    for (let s = 0; s < draws; s++) {
      const v = randomUnitVector(n, rng);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] += (v[i] * v[j]) / draws;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) expect(Math.abs(C[i * n + j] - (i === j ? 1 / n : 0))).toBeLessThan(0.01);
    }
  });
});
