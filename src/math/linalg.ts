/**
 * Dense f64 linear algebra the read needs: symmetric eigendecomposition and random
 * orthogonal matrices. Matrices are flat row-major arrays (`A[i * n + j]` = row i, column j).
 */
import type { Rng } from './random.ts';
import { eigenWorkspace, releaseEigenWorkspace, type EigenWorkspace } from '../fast/eigen-kernels.ts';

/**
 * Result of a symmetric eigendecomposition A = Σ_j values[j] · vectors[j] vectors[j]ᵀ.
 * - `values`: the n eigenvalues, ascending;
 * - `vectors`: n arrays of length n; `vectors[j]` is the unit eigenvector of `values[j]`
 *   (so `vectors[j][i]` is component i of eigenvector j: the matrix V with columns
 *   vectors[0..n−1] satisfies A = V diag(values) Vᵀ, VᵀV = I).
 * Signs of eigenvectors are arbitrary; within a repeated eigenvalue any orthonormal basis
 * of its eigenspace may be returned.
 */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array[];
}

function checkSquare(A: ArrayLike<number>, n: number, who: string): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${who}: bad size ${n}`);
  if (A.length !== n * n) throw new RangeError(`${who}: expected ${n * n} entries, got ${A.length}`);
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) throw new RangeError(`${who}: non-finite entry at ${i}`);
  }
}

/** rows of (A + Aᵀ)/2 into V (every entry written) */
function symmetrise(A: ArrayLike<number>, n: number, V: Float64Array[]): void {
  for (let i = 0; i < n; i++) {
    V[i][i] = A[i * n + i];
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (A[i * n + j] + A[j * n + i]);
      V[i][j] = s;
      V[j][i] = s;
    }
  }
}

/**
 * Eigendecomposition of a real symmetric n×n matrix (flat row-major; the input is
 * symmetrised as (A + Aᵀ)/2 and not modified). Householder tridiagonalisation followed by
 * the implicit QL algorithm with Wilkinson-type shifts (EISPACK tred2/tql2, as in JAMA).
 * O(n³). Its O(n³) loops run in WebAssembly f64 where the runtime has SIMD (src/fast/eigen-kernels.ts:
 * the same operations in the same order, bit-identical results), else in JavaScript.
 * Throws on non-finite input or if QL does not converge.
 */
export function symmetricEigen(A: ArrayLike<number>, n: number, { webAssembly = true }: { webAssembly?: boolean } = {}): SymmetricEigen {
  checkSquare(A, n, 'symmetricEigen');
  if (n === 0) return { values: new Float64Array(0), vectors: [] };
  // tred2 works on the transpose, so its rows come out as the columns of the transform
  // and tql2 rotates contiguous arrays.
  const ws = webAssembly ? eigenWorkspace(n) : null;
  const cols = ws ? ws.rows : Array.from({ length: n }, () => new Float64Array(n));
  symmetrise(A, n, cols);
  const d = ws ? ws.d.fill(0) : new Float64Array(n);
  const e = ws ? ws.e.fill(0) : new Float64Array(n);
  tred2(cols, d, e, n, ws);
  tql2(cols, d, e, n, ws);
  // sort ascending (selection sort on values, swapping whole columns)
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      const tmp = cols[i];
      cols[i] = cols[k];
      cols[k] = tmp;
    }
  }
  if (!ws) return { values: d, vectors: cols };
  // the workspace is reused by the next call: copy out
  const out = { values: d.slice(), vectors: cols.map((c) => c.slice()) };
  releaseEigenWorkspace(n);
  return out;
}

/**
 * Householder reduction to tridiagonal form (EISPACK tred2), written on W = Vᵀ so that every
 * O(n³) inner loop runs along a contiguous row. On entry W holds the symmetric matrix; on exit
 * row j of W is column j of the accumulated orthogonal transform, d the diagonal and e the
 * sub-diagonal (e[0] = 0). With `ws` (W, d, e being its views) the O(n³) loops run in WebAssembly.
 */
function tred2(W: Float64Array[], d: Float64Array, e: Float64Array, n: number, ws: EigenWorkspace | null): void {
  for (let j = 0; j < n; j++) d[j] = W[j][n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = W[j][i - 1];
        W[j][i] = 0;
        W[i][j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      const Wi = W[i];
      if (ws) ws.tred2Gather(i);
      else for (let j = 0; j < i; j++) {
        f = d[j];
        Wi[j] = f;
        const Wj = W[j];
        g = e[j] + Wj[j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = Wj[k];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      if (ws) ws.tred2Update(i);
      else for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const Wj = W[j];
        for (let k = j; k <= i - 1; k++) Wj[k] -= f * e[k] + g * d[k];
        d[j] = Wj[i - 1];
        Wj[i] = 0;
      }
    }
    d[i] = h;
  }
  // accumulate transformations
  const col = ws ? ws.col : new Float64Array(n);
  for (let i = 0; i < n - 1; i++) {
    W[i][n - 1] = W[i][i];
    W[i][i] = 1;
    const h = d[i + 1];
    const Wn = W[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) {
        col[k] = Wn[k];
        d[k] = col[k] / h;
      }
      if (ws) ws.tred2Accumulate(i);
      else for (let j = 0; j <= i; j++) {
        const Wj = W[j];
        let g = 0;
        for (let k = 0; k <= i; k++) g += col[k] * Wj[k];
        for (let k = 0; k <= i; k++) Wj[k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) Wn[k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = W[j][n - 1];
    W[j][n - 1] = 0;
  }
  W[n - 1][n - 1] = 1;
  e[0] = 0;
}

/**
 * √(x² + y²) as V8's Math.hypot computes it, operation for operation (the larger magnitude
 * factored out, the squares summed with Kahan compensation): the same bits (tested), without the
 * builtin's per-call C++ entry and allocation (tql2 calls it once per rotation).
 */
export function hypot(x: number, y: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  let max = 0;
  if (!(ax <= max)) max = ax;
  if (!(ay <= max)) max = ay;
  if (max === 0) return 0;
  if (max === Infinity) return Infinity;
  let sum = 0;
  let compensation = 0;
  let n = ax / max;
  let summand = n * n - compensation;
  let preliminary = sum + summand;
  compensation = preliminary - sum - summand;
  sum = preliminary;
  n = ay / max;
  summand = n * n - compensation;
  preliminary = sum + summand;
  sum = preliminary;
  return Math.sqrt(sum) * max;
}

/** Implicit QL on the tridiagonal (d, e); cols[j] is column j of the transform (rotated in WebAssembly with `ws`). */
function tql2(cols: Float64Array[], d: Float64Array, e: Float64Array, n: number, ws: EigenWorkspace | null): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new Error('symmetricEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (ws) {
            ws.rotate(i, i + 1, c, s);
            continue;
          }
          const a = cols[i];
          const b = cols[i + 1];
          for (let k = 0; k < n; k++) {
            const bk = b[k];
            b[k] = s * a[k] + c * bk;
            a[k] = c * a[k] - s * bk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Cyclic Jacobi eigendecomposition (same output convention as `symmetricEigen`). Simple and
 * very accurate, O(n³) per sweep with several sweeps: use for small matrices or as a
 * cross-check; `symmetricEigen` is the one to use at n in the hundreds.
 */
export function jacobiEigen(A: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  checkSquare(A, n, 'jacobiEigen');
  const a = Array.from({ length: n }, () => new Float64Array(n));
  symmetrise(A, n, a);
  const cols: Float64Array[] = []; // cols[j] = column j of V
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    c[j] = 1;
    cols.push(c);
  }
  let total = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) total += a[i][j] * a[i][j];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off <= 1e-32 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // rotate rows/columns p and q of a
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        const vp = cols[p];
        const vq = cols[q];
        for (let k = 0; k < n; k++) {
          const x = vp[k];
          const y = vq[k];
          vp[k] = c * x - s * y;
          vq[k] = s * x + c * y;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i][i] - a[j][j]);
  return {
    values: Float64Array.from(order, (i) => a[i][i]),
    vectors: order.map((i) => cols[i]),
  };
}

/**
 * A random n×n orthogonal matrix (flat row-major), Haar-distributed: QR of an n×n Gaussian
 * matrix by modified Gram–Schmidt on its columns (each column orthogonalised twice for
 * accuracy), with the sign fix diag(R) > 0 that makes Q Haar. Deterministic for the rng's seed.
 */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const q: Float64Array[] = []; // columns
  for (let j = 0; j < n; j++) {
    for (;;) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      let rjj = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k < j; k++) {
          const qk = q[k];
          let dot = 0;
          for (let i = 0; i < n; i++) dot += qk[i] * v[i];
          for (let i = 0; i < n; i++) v[i] -= dot * qk[i];
        }
      }
      for (let i = 0; i < n; i++) rjj += v[i] * v[i];
      rjj = Math.sqrt(rjj);
      if (rjj > 1e-8) {
        // R_jj = ‖v‖ > 0 by construction: dividing by it is the sign fix.
        for (let i = 0; i < n; i++) v[i] /= rjj;
        q.push(v);
        break;
      }
    }
  }
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) Q[i * n + j] = q[j][i];
  return Q;
}

/** C = A·B for flat row-major A (m×k) and B (k×n). */
export function matMul(A: ArrayLike<number>, B: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = A[i * k + p];
      if (aip === 0) continue;
      const bo = p * n;
      const co = i * n;
      for (let j = 0; j < n; j++) C[co + j] += aip * B[bo + j];
    }
  }
  return C;
}

/** Aᵀ for flat row-major A (m×n) → n×m. */
export function transpose(A: ArrayLike<number>, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** y = A·x for flat row-major A (m×n). */
export function matVec(A: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** Σ a_i b_i */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm */
export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/**
 * The matrix exponential e^A of a flat row-major n×n A: scaling and squaring of a Taylor sum
 * (A/2^s with ‖A/2^s‖₁ ≤ 1/2, 20 terms: the tail is below 2⁻²⁰/20! ≪ f64 rounding). Used for
 * the exact orbits of the attention gauges (W e^{tM}), where n is a head width.
 */
export function expm(A: ArrayLike<number>, n: number): Float64Array {
  let norm1 = 0;
  for (let j = 0; j < n; j++) {
    let c = 0;
    for (let i = 0; i < n; i++) c += Math.abs(A[i * n + j]);
    norm1 = Math.max(norm1, c);
  }
  const s = norm1 > 0.5 ? Math.ceil(Math.log2(norm1 / 0.5)) : 0;
  const B = Float64Array.from(A, (x) => x / 2 ** s);
  let E: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) E[i * n + i] = 1;
  let term: Float64Array = E.slice();
  for (let k = 1; k <= 20; k++) {
    term = matMul(term, B, n, n, n);
    for (let i = 0; i < term.length; i++) term[i] /= k;
    for (let i = 0; i < E.length; i++) E[i] += term[i];
  }
  for (let q = 0; q < s; q++) E = matMul(E, E, n, n, n);
  return E;
}

/** κ with a[o…o+len) = κ·b[ob…ob+len) to rounding (max residual ≤ 4e-12 × a's RMS), else null: the test by which
 * the fast scans recognise a direction's vectors as multiples of one another and push one of them. */
export function multipleOf(a: ArrayLike<number>, b: ArrayLike<number>, o: number, len: number, ob = o): number | null {
  let ab = 0;
  let bb = 0;
  let aa = 0;
  for (let k = 0; k < len; k++) {
    ab += a[o + k] * b[ob + k];
    bb += b[ob + k] * b[ob + k];
    aa += a[o + k] * a[o + k];
  }
  if (bb === 0) return null;
  const kappa = ab / bb;
  let res = 0;
  for (let k = 0; k < len; k++) res = Math.max(res, Math.abs(a[o + k] - kappa * b[ob + k]));
  return res <= 1e-12 * Math.sqrt(aa / Math.max(1, len)) * 4 ? kappa : null;
}
