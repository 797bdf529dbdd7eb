import { describe, expect, it } from 'vitest';
import {
  expm,
  hypot,
  jacobiEigen,
  matMul,
  randomOrthogonal,
  symmetricEigen,
  transpose,
  type SymmetricEigen,
} from '../../src/math/linalg.ts';
import { createRng } from '../../src/math/random.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = rng.normal();
      A[i * n + j] = x;
      A[j * n + i] = x;
    }
  }
  return A;
}

/** max |A v_j − λ_j v_j| and max |VᵀV − I| */
function residuals(A: Float64Array, n: number, e: SymmetricEigen): { res: number; orth: number } {
  let res = 0;
  let orth = 0;
  for (let j = 0; j < n; j++) {
    const v = e.vectors[j];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * v[k];
      res = Math.max(res, Math.abs(s - e.values[j] * v[i]));
    }
    for (let l = 0; l <= j; l++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += v[k] * e.vectors[l][k];
      orth = Math.max(orth, Math.abs(s - (l === j ? 1 : 0)));
    }
  }
  return { res, orth };
}

function ascending(v: Float64Array): boolean {
  for (let i = 1; i < v.length; i++) if (v[i] < v[i - 1]) return false;
  return true;
}

describe('symmetricEigen (Householder + implicit QL)', () => {
  it('2×2 by hand', () => {
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(1, 14);
    expect(e.values[1]).toBeCloseTo(3, 14);
    expect(Math.abs(e.vectors[1][0])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(e.vectors[1][0] * e.vectors[1][1]).toBeGreaterThan(0);
    expect(e.vectors[0][0] * e.vectors[0][1]).toBeLessThan(0);
  });

  it('1×1, 0×0, diagonal and zero matrices', () => {
    expect(Array.from(symmetricEigen([5], 1).values)).toEqual([5]);
    expect(symmetricEigen([], 0).values.length).toBe(0);
    const d = symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3);
    expect(Array.from(d.values)).toEqual([-1, 2, 3]);
    expect(Math.abs(d.vectors[0][1])).toBe(1);
    const z = symmetricEigen(new Float64Array(16), 4);
    expect(Array.from(z.values)).toEqual([0, 0, 0, 0]);
    expect(residuals(new Float64Array(16), 4, z).orth).toBeLessThan(1e-15);
  });

  it('random symmetric matrices: residual, orthonormality, ascending, agrees with Jacobi', () => {
    for (const [n, seed] of [[3, 1], [10, 2], [37, 3], [120, 4]] as const) {
      const A = randomSymmetric(n, seed);
      const e = symmetricEigen(A, n);
      const { res, orth } = residuals(A, n, e);
      expect(res).toBeLessThan(1e-12 * n);
      expect(orth).toBeLessThan(1e-13 * n);
      expect(ascending(e.values)).toBe(true);
      const j = jacobiEigen(A, n);
      const jr = residuals(A, n, j);
      expect(jr.res).toBeLessThan(1e-11 * n);
      expect(jr.orth).toBeLessThan(1e-13 * n);
      for (let i = 0; i < n; i++) expect(Math.abs(e.values[i] - j.values[i])).toBeLessThan(1e-12 * n);
    }
  });

  it('recovers a prescribed spectrum Q diag(λ) Qᵀ, with repeated and tiny eigenvalues', () => {
    const n = 30;
    const Q = randomOrthogonal(n, createRng(9));
    const lam = Array.from({ length: n }, (_, i) => (i < 5 ? 0 : i < 10 ? 1e-9 : i < 20 ? 2 : i));
    const D = new Float64Array(n * n);
    lam.forEach((l, i) => (D[i * n + i] = l));
    const A = matMul(matMul(Q, D, n, n, n), transpose(Q, n, n), n, n, n);
    const e = symmetricEigen(A, n);
    const sorted = [...lam].sort((a, b) => a - b);
    for (let i = 0; i < n; i++) expect(Math.abs(e.values[i] - sorted[i])).toBeLessThan(1e-13 * n);
    expect(residuals(A, n, e).orth).toBeLessThan(1e-13 * n);
    // the bottom-5 eigenvectors span the same subspace as Q's first five columns
    let captured = 0;
    for (let j = 0; j < 5; j++) {
      for (let c = 0; c < 5; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += e.vectors[j][i] * Q[i * n + c];
        captured += s * s;
      }
    }
    expect(captured).toBeCloseTo(5, 10);
  });

  it('symmetrises a slightly asymmetric input and rejects non-finite entries', () => {
    const e = symmetricEigen([2, 1 + 1e-12, 1 - 1e-12, 2], 2);
    expect(e.values[1]).toBeCloseTo(3, 12);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow();
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow();
  });

  it('n = 800 finishes in under 10 s with small residuals', () => {
    const n = 800;
    const A = randomSymmetric(n, 800);
    const t0 = performance.now();
    const e = symmetricEigen(A, n);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(10_000);
    expect(ascending(e.values)).toBe(true);
    // spot-check residuals on a few eigenpairs (the full check is O(n³) again)
    for (const j of [0, 1, 399, 798, 799]) {
      const v = e.vectors[j];
      let res = 0;
      let nv = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k] * v[k];
        res = Math.max(res, Math.abs(s - e.values[j] * v[i]));
        nv += v[i] * v[i];
      }
      expect(res).toBeLessThan(1e-10);
      expect(nv).toBeCloseTo(1, 12);
    }
    // trace is preserved
    let tr = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      tr += A[i * n + i];
      sum += e.values[i];
    }
    expect(Math.abs(tr - sum)).toBeLessThan(1e-9);
  });

  it('WebAssembly loops give the JavaScript loops\' eigenpairs bit for bit (odd/even n, zero rows, repeated eigenvalues)', () => {
    const lowRankWithZeroRows = (n: number, seed: number): Float64Array => {
      // an activation second moment's shape: rank n/2, every fifth unit never active (zero row and column)
      const rng = createRng(seed);
      const k = Math.max(1, n >> 1);
      const B = Float64Array.from({ length: n * k }, (_, i) => (Math.floor(i / k) % 5 === 0 ? 0 : rng.normal()));
      return matMul(B, transpose(B, n, k), n, k, n);
    };
    const cases: [string, Float64Array, number][] = [
      ['random 65', randomSymmetric(65, 65), 65],
      ['random 128', randomSymmetric(128, 128), 128],
      ['low rank, zero rows 97', lowRankWithZeroRows(97, 1), 97],
      ['low rank, zero rows 200', lowRankWithZeroRows(200, 2), 200],
      ['identity 9', Float64Array.from({ length: 81 }, (_, i) => (i % 10 === 0 ? 1 : 0)), 9],
      ['2×2', Float64Array.of(2, 1, 1, 2), 2],
    ];
    for (const [name, A, n] of cases) {
      const js = symmetricEigen(A, n, { webAssembly: false });
      const wasm = symmetricEigen(A, n);
      expect(Array.from(wasm.values), name).toEqual(Array.from(js.values));
      wasm.vectors.forEach((v, j) => expect(Array.from(v), `${name}: vector ${j}`).toEqual(Array.from(js.vectors[j])));
      // and the pair is right (the check of this describe's first tests)
      const { res, orth } = residuals(A, n, wasm);
      expect(res, name).toBeLessThan(1e-9 * Math.max(1, Math.abs(wasm.values[n - 1])));
      expect(orth, name).toBeLessThan(1e-12);
    }
  });
});

describe('hypot', () => {
  it('gives Math.hypot\'s bits for two numbers (signs, zeros, tiny, huge, equal magnitudes)', () => {
    const rng = createRng(17);
    const special = [0, -0, 1, -1, 2 ** -1074, 1e-300, 1e300, 1.7976931348623157e308, 3, 4, Infinity, -Infinity];
    const pairs: [number, number][] = [];
    for (const a of special) for (const b of special) pairs.push([a, b]);
    for (let i = 0; i < 20_000; i++) pairs.push([rng.normal() * 10 ** Math.round(rng.normal() * 30), rng.normal() * 10 ** Math.round(rng.normal() * 30)]);
    for (const [a, b] of pairs) expect(Object.is(hypot(a, b), Math.hypot(a, b)), `hypot(${a}, ${b})`).toBe(true);
  });
});

describe('jacobiEigen', () => {
  it('matches a known 3×3 spectrum', () => {
    // [[2,-1,0],[-1,2,-1],[0,-1,2]]: eigenvalues 2 − √2, 2, 2 + √2
    const e = jacobiEigen([2, -1, 0, -1, 2, -1, 0, -1, 2], 3);
    expect(e.values[0]).toBeCloseTo(2 - Math.SQRT2, 14);
    expect(e.values[1]).toBeCloseTo(2, 14);
    expect(e.values[2]).toBeCloseTo(2 + Math.SQRT2, 14);
  });
});

describe('randomOrthogonal', () => {
  it('is orthogonal, deterministic for a seed, different across seeds', () => {
    for (const n of [1, 2, 7, 50]) {
      const Q = randomOrthogonal(n, createRng(n));
      const QtQ = matMul(transpose(Q, n, n), Q, n, n, n);
      const QQt = matMul(Q, transpose(Q, n, n), n, n, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          expect(Math.abs(QtQ[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
          expect(Math.abs(QQt[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
      expect(Array.from(randomOrthogonal(n, createRng(n)))).toEqual(Array.from(Q));
    }
    expect(Array.from(randomOrthogonal(5, createRng(1)))).not.toEqual(Array.from(randomOrthogonal(5, createRng(2))));
  });

  it('is Haar: E[Q_ij²] = 1/n and both determinant signs occur', () => {
    const n = 3;
    const rng = createRng(21);
    const m2 = new Float64Array(n * n);
    let pos = 0;
    const draws = 4000;
    for (let s = 0; s < draws; s++) {
      const Q = randomOrthogonal(n, rng);
      for (let i = 0; i < n * n; i++) m2[i] += (Q[i] * Q[i]) / draws;
      const det =
        Q[0] * (Q[4] * Q[8] - Q[5] * Q[7]) - Q[1] * (Q[3] * Q[8] - Q[5] * Q[6]) + Q[2] * (Q[3] * Q[7] - Q[4] * Q[6]);
      if (det > 0) pos++;
    }
    for (const x of m2) expect(Math.abs(x - 1 / n)).toBeLessThan(0.02);
    expect(Math.abs(pos / draws - 0.5)).toBeLessThan(0.05);
  });
});

describe('expm', () => {
  it('e^{tJ} is the rotation by t (closed form), e^{diag} is diag(e^x), e^A e^{−A} = I', () => {
    for (const t of [0.3, 2.5, 40]) {
      const R = expm([0, -t, t, 0], 2);
      expect(Math.abs(R[0] - Math.cos(t))).toBeLessThan(1e-13);
      expect(Math.abs(R[1] + Math.sin(t))).toBeLessThan(1e-13);
      expect(Math.abs(R[2] - Math.sin(t))).toBeLessThan(1e-13);
      expect(Math.abs(R[3] - Math.cos(t))).toBeLessThan(1e-13);
    }
    const D = expm([1.5, 0, 0, 0, -2, 0, 0, 0, 0.1], 3);
    [1.5, -2, 0.1].forEach((x, i) => expect(Math.abs(D[i * 4] / Math.exp(x) - 1)).toBeLessThan(1e-14));
    const rng = createRng(3);
    const n = 5;
    const A = Float64Array.from({ length: n * n }, () => 1.5 * rng.normal());
    const P = matMul(expm(A, n), expm(A.map((x) => -x), n), n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(P[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-10);
  });
});
