/**
 * ν̂: the singular fluctuation estimated as the paper does (METHOD §7), from the WAIC functional
 * variance (1/2)·Σ_i Var_posterior[log p(y_i | w)] on the isolated order-k cell
 *   y = a·s^k + ε,  ε ∼ N(0, 1),  a = 1,  true s = 0,
 * with the posterior of s computed exactly on a grid (flat prior on s, the measure dη of ν(k)).
 *
 * Why this estimates ν(k): with u = s^k, log p(y_i|s) = c − y_i²/2 + y_i u − u²/2, so the posterior
 * is ∝ exp(u·Σy − n u²/2), i.e. π_Z(η) ∝ exp(Z η^k − η^{2k}) with η = (n/2)^{1/(2k)} s and
 * Z = Σy·√(2/n) ∼ N(0, 2); and Σ_i Var[y_i u − u²/2] ≈ n·Var[u] = 2·Var[η^k]. Exactly, from the
 * grid moments of u: Σ_i Var[log p_i] = S₂·Var[u] − S₁·Cov[u, u²] + (n/4)·Var[u²], S₁ = Σy, S₂ = Σy².
 */
import { createRng, type Rng } from '../math/random.ts';
import { singularFluctuationCached } from './fluctuation.ts';
import type { DirectionResult, ReadResult } from './schema.ts';

export interface NuHatOptions {
  /** grid points for s (default 2001) */
  gridPoints?: number;
  /** grid half-width: where the likelihood has fallen this many nats below its peak (default 40) */
  tailLogs?: number;
}

/**
 * ν̂ of one data set, given its sufficient statistics: S₁ = Σ y_i, S₂ = Σ y_i², n samples.
 * (1/2)·Σ_i Var_post[log p(y_i|s)] with the exact grid posterior of s.
 */
export function nuHatFromStats(k: number, n: number, S1: number, S2: number, options: NuHatOptions = {}): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`nuHat: k must be a positive integer, got ${k}`);
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`nuHat: n must be a positive integer, got ${n}`);
  const points = options.gridPoints ?? 2001;
  const tail = options.tailLogs ?? 40;
  // log posterior g(u) = S1·u − n u²/2 ≤ S1²/(2n); cover where g ≥ max − tail: |u| ≤ (|S1| + √(S1² + 2n·tail))/n
  const uMax = (Math.abs(S1) + Math.sqrt(S1 * S1 + 2 * n * tail)) / n;
  const B = uMax ** (1 / k);
  const h = (2 * B) / (points - 1);
  const u = new Float64Array(points);
  const g = new Float64Array(points);
  let gMax = -Infinity;
  for (let j = 0; j < points; j++) {
    const s = -B + j * h;
    u[j] = s ** k;
    g[j] = S1 * u[j] - (n * u[j] * u[j]) / 2;
    if (g[j] > gMax) gMax = g[j];
  }
  let w0 = 0, m1 = 0, m2 = 0;
  for (let j = 0; j < points; j++) {
    const w = Math.exp(g[j] - gMax);
    g[j] = w;
    w0 += w;
    m1 += w * u[j];
  }
  const mu = m1 / w0; // E[u]
  for (let j = 0; j < points; j++) m2 += g[j] * u[j] * u[j];
  const mu2 = m2 / w0; // E[u²]
  // centred moments in two passes (no cancellation): Var[u], Cov[u, u²], Var[u²]
  let vu = 0, cov = 0, vu2 = 0;
  for (let j = 0; j < points; j++) {
    const du = u[j] - mu;
    const du2 = u[j] * u[j] - mu2;
    vu += g[j] * du * du;
    cov += g[j] * du * du2;
    vu2 += g[j] * du2 * du2;
  }
  vu /= w0;
  cov /= w0;
  vu2 /= w0;
  return 0.5 * (S2 * vu - S1 * cov + (n / 4) * vu2);
}

/** Gamma(shape ≥ 1/2, scale 1) by Marsaglia & Tsang (2000); shape < 1 by the boost U^{1/shape}. */
function gammaDraw(shape: number, rng: Rng): number {
  if (shape < 1) return gammaDraw(shape + 1, rng) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export interface NuHatSummary {
  k: number;
  n: number;
  draws: number;
  /** mean of ν̂ over the draws */
  mean: number;
  /** its standard error (sd / √draws) */
  se: number;
}

/**
 * Mean ν̂ over `draws` seeded data sets of n samples from the true cell (y = ε ∼ N(0, 1)).
 * S₁ and S₂ are drawn exactly (S₁ ∼ N(0, n), S₂ − S₁²/n ∼ χ²_{n−1} = 2·Gamma((n−1)/2),
 * independent), so a draw costs one grid, not n samples.
 */
export function nuHat(k: number, n: number, draws: number, seed: number, options: NuHatOptions = {}): NuHatSummary {
  if (!(Number.isInteger(draws) && draws >= 2)) throw new RangeError(`nuHat: draws must be an integer ≥ 2, got ${draws}`);
  const rng = createRng(seed);
  let sum = 0, sumSq = 0;
  for (let d = 0; d < draws; d++) {
    const S1 = Math.sqrt(n) * rng.normal();
    const chi = n > 1 ? 2 * gammaDraw((n - 1) / 2, rng) : 0;
    const v = nuHatFromStats(k, n, S1, chi + (S1 * S1) / n, options);
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / draws;
  const sd = Math.sqrt(Math.max(0, (sumSq - draws * mean * mean) / (draws - 1)));
  return { k, n, draws, mean, se: sd / Math.sqrt(draws) };
}

/** sample sizes and draws of the ν̂-vs-n figure data (paper Fig. 5) */
export const NU_HAT_SIZES = [30, 100, 300, 1000, 3000, 10000] as const;
export const NU_HAT_DRAWS = 400;

/** The data of a ν̂-vs-n figure for order k: ν̂ (mean ± se over seeded draws) at each n, and ν(k). */
export function nuHatCurve(k: number, nu: number, seed: number): { k: number; nu: number; nuHat: NuHatSummary[] } {
  return { k, nu, nuHat: NU_HAT_SIZES.map((n, i) => nuHat(k, n, NU_HAT_DRAWS, seed + 1000 * k + i, { gridPoints: 1001 })) };
}

/** ν(k) and the ν̂-vs-n figure data for each order read on a singular direction (METHOD §7). */
export function fluctuationData(directions: readonly DirectionResult[], seed: number): NonNullable<ReadResult['fluctuation']> {
  const orders = [...new Set(directions.filter((d) => d.class === 'singular' && d.kRounded !== null).map((d) => d.kRounded as number))].sort((a, b) => a - b);
  return { orders: orders.map((k) => nuHatCurve(k, singularFluctuationCached(k), seed)) };
}
