/**
 * METHOD §2: the read is invariant to the basis. A toy squared-ReLU layer with u dead units,
 * f(x; θ) = Σ_j b_j relu(a_j x)² + c·x, checkpoint a = b = 0, c = 1, F_v(θ) = E_x (∇f·v)².
 * Every direction in the dead units' span reads k̂ = 3 (Δf ~ t·t²), and rotating the
 * parameter coordinates (θ = Qψ) rotates v with them and leaves F(t) unchanged.
 */
import { describe, expect, it } from 'vitest';
import { randomOrthogonal, matVec, transpose } from '../../src/math/linalg.ts';
import { createRng, gaussianVector, randomUnitVector } from '../../src/math/random.ts';
import { classifyDirection } from '../../src/read/classify.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';

const u = 4; // dead units
const P = 2 * u + 1; // θ = (a_0..a_{u−1}, b_0..b_{u−1}, c)
const xs = gaussianVector(256, createRng(1));
const t = scanGrid(DEFAULT_SETTINGS);

function grad(theta: Float64Array, x: number): Float64Array {
  const g = new Float64Array(P);
  for (let j = 0; j < u; j++) {
    const z = Math.max(0, theta[j] * x);
    g[j] = 2 * theta[u + j] * z * x;
    g[u + j] = z * z;
  }
  g[2 * u] = x;
  return g;
}

/** F_v(θ) for the model in θ coordinates */
function fisher(theta: Float64Array, v: Float64Array): number {
  let s = 0;
  for (const x of xs) {
    const g = grad(theta, x);
    let jv = 0;
    for (let i = 0; i < P; i++) jv += g[i] * v[i];
    s += jv * jv;
  }
  return s / xs.length;
}

/** the same model in rotated coordinates ψ (θ = Qψ): ∇_ψ g = Qᵀ ∇_θ f(Qψ) */
function fisherRotated(Q: Float64Array, psi: Float64Array, w: Float64Array): number {
  const theta = matVec(Q, psi, P, P);
  const Qt = transpose(Q, P, P);
  let s = 0;
  for (const x of xs) {
    const g = matVec(Qt, grad(theta, x), P, P);
    let jv = 0;
    for (let i = 0; i < P; i++) jv += g[i] * w[i];
    s += jv * jv;
  }
  return s / xs.length;
}

const theta0 = new Float64Array(P);
theta0[2 * u] = 1;
const live = new Float64Array(P);
live[2 * u] = 1;
const fLive = fisher(theta0, live);

function scan(v: Float64Array): number[] {
  return t.map((s) => fisher(theta0.map((x, i) => x + s * v[i]), v));
}
function read(F: number[]) {
  return classifyDirection({ t, F, fLive, settings: DEFAULT_SETTINGS, isGauge: false, predictedK: 3 });
}

describe('basis invariance of the read (METHOD §2)', () => {
  it('one unit’s node-death direction reads k = 3, the live direction k = 1', () => {
    const v = new Float64Array(P);
    v[0] = Math.SQRT1_2;
    v[u] = Math.SQRT1_2;
    const c = read(scan(v));
    expect(c.class).toBe('singular');
    expect(c.kRounded).toBe(3);
    expect(Math.abs(c.k! - 3)).toBeLessThan(0.02);
    expect(read(scan(live)).class).toBe('live');
  });

  it('directions in a random orthogonal basis of the dead span read the same order', () => {
    // random orthogonal basis of the 2u-dimensional dead subspace (the a's and b's)
    const R = randomOrthogonal(2 * u, createRng(7));
    for (let col = 0; col < 2 * u; col++) {
      const v = new Float64Array(P);
      for (let i = 0; i < 2 * u; i++) v[i] = R[i * 2 * u + col];
      const c = read(scan(v));
      expect(c.class).toBe('singular');
      expect(c.kRounded).toBe(3);
    }
    const v = new Float64Array(P);
    v.set(randomUnitVector(2 * u, createRng(8)));
    expect(read(scan(v)).kRounded).toBe(3);
  });

  it('rotating all parameter coordinates rotates v with them: F(t) and k̂ are unchanged', () => {
    const Q = randomOrthogonal(P, createRng(11));
    const Qt = transpose(Q, P, P);
    const v = new Float64Array(P);
    v[1] = Math.SQRT1_2;
    v[u + 1] = Math.SQRT1_2;
    const psi0 = matVec(Qt, theta0, P, P);
    const w = matVec(Qt, v, P, P);
    const F = scan(v);
    const G = t.map((s) => fisherRotated(Q, psi0.map((x, i) => x + s * w[i]), w));
    F.forEach((f, i) => expect(Math.abs(G[i] - f)).toBeLessThan(1e-9 * f + 1e-14 * fLive));
    const a = read(F);
    const b = read(G);
    expect(b.kRounded).toBe(3);
    expect(Math.abs(a.k! - b.k!)).toBeLessThan(1e-6);
  });
});
