/**
 * Singular fluctuation of an order-k cell (METHOD §7):
 *   ν(k) = E_{Z∼N(0,2)} Var_{π_Z}[η^k],   π_Z(η) ∝ exp(Z η^k − η^{2k}),  η ∈ ℝ.
 * Computed by 1-D quadrature, nothing tabulated:
 * - inner: for each Z, the trapezoid rule on η over [−B, B], where B is where the exponent
 *   has fallen `tailLogs` below its maximum (so the truncation error is < e^{−tailLogs}); the
 *   weights are exp(g(η) − max g) (a log-sum-exp shift), and the variance is taken as a
 *   centred second moment (two passes) to avoid cancellation. The integrand is analytic and
 *   negligible at ±B, so the trapezoid converges geometrically;
 * - outer: the trapezoid rule on Z over ±zSigmas·√2 against the N(0, 2) density
 *   (again geometric for a smooth integrand under a Gaussian).
 */

export interface FluctuationOptions {
  /** η points per inner integral (default 2001) */
  etaPoints?: number;
  /** Z points of the outer integral (default 401) */
  zPoints?: number;
  /** outer range ±zSigmas standard deviations of Z (default 8) */
  zSigmas?: number;
  /** inner range: where the log-density is this far below its peak (default 60) */
  tailLogs?: number;
}

/**
 * Var_{π_Z}[η^k] for π_Z(η) ∝ exp(Z η^k − η^{2k}), by the inner quadrature described above.
 * k a positive integer.
 */
export function posteriorVariance(k: number, Z: number, options: FluctuationOptions = {}): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`posteriorVariance: k must be a positive integer, got ${k}`);
  const n = options.etaPoints ?? 2001;
  const tail = options.tailLogs ?? 60;
  // u = |η|^k ≥ 0; g = Z·η^k − u² ≤ Z²/4. Need u² − |Z|u ≥ tail + Z²/4 at the ends.
  const a = Math.abs(Z);
  const uMax = (a + Math.sqrt(a * a + 4 * (tail + (Z * Z) / 4))) / 2;
  const B = uMax ** (1 / k);
  const h = (2 * B) / (n - 1);
  const g = new Float64Array(n);
  const y = new Float64Array(n); // η^k
  let gMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const eta = -B + i * h;
    const yk = eta ** k;
    y[i] = yk;
    g[i] = Z * yk - yk * yk;
    if (g[i] > gMax) gMax = g[i];
  }
  // trapezoid: end weights 1/2 (negligible anyway)
  let w0 = 0;
  let m1 = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(g[i] - gMax) * (i === 0 || i === n - 1 ? 0.5 : 1);
    g[i] = w;
    w0 += w;
    m1 += w * y[i];
  }
  const mean = m1 / w0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const dy = y[i] - mean;
    m2 += g[i] * dy * dy;
  }
  return m2 / w0;
}

/** ν(k) = E_{Z∼N(0,2)} Var_{π_Z}[η^k] (METHOD §7), k a positive integer. */
export function singularFluctuation(k: number, options: FluctuationOptions = {}): number {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`singularFluctuation: k must be a positive integer, got ${k}`);
  const nz = options.zPoints ?? 401;
  const zs = options.zSigmas ?? 8;
  const sigma = Math.SQRT2;
  const zMax = zs * sigma;
  const h = (2 * zMax) / (nz - 1);
  let num = 0;
  let den = 0;
  for (let j = 0; j < nz; j++) {
    const Z = -zMax + j * h;
    const w = Math.exp(-(Z * Z) / (2 * sigma * sigma)) * (j === 0 || j === nz - 1 ? 0.5 : 1);
    num += w * posteriorVariance(k, Z, options);
    den += w;
  }
  // normalising by the discrete weight sum rather than √(2π)σ/h: same limit, smaller error
  return num / den;
}

const NU_CACHE = new Map<number, number>();

/** ν(k) with the default quadrature, computed once per k in a process (a read asks per direction). */
export function singularFluctuationCached(k: number): number {
  let v = NU_CACHE.get(k);
  if (v === undefined) {
    v = singularFluctuation(k);
    NU_CACHE.set(k, v);
  }
  return v;
}
