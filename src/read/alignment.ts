/**
 * Axis-alignment of a layer's dead subspace (METHOD §5).
 * A (d×d, symmetric, flat row-major) is the layer's activation second moment E[a aᵀ] in
 * neuron coordinates. U (d×r) = its bottom-r eigenvectors; leverage ℓ_i = ‖Uᵀ e_i‖²
 * (Σ_i ℓ_i = r); alignment = (1/r)·(sum of the r largest ℓ_i) ∈ [r/d, 1]:
 * 1 when the dead subspace is spanned by r single neurons, ≈ r/d when it is spread.
 * When r cuts a cluster of tied eigenvalues the bottom-r subspace is not unique (any r-subspace
 * of the cluster's eigenspace is one), so the value is that of the whole cluster, r = `to`,
 * flagged `undetermined` (docs/METHOD.md notes).
 */
import { symmetricEigen } from '../math/linalg.ts';

export interface AxisAlignment {
  /** dead-subspace rank used */
  r: number;
  d: number;
  /** the alignment, in [r/d, 1] */
  value: number;
  /** r/d: the value for a dead subspace spread evenly over the neurons */
  baseline: number;
  /** ℓ_i for every neuron i = 0 … d−1 */
  leverage: number[];
  /** present when r cuts a cluster of tied eigenvalues λ_from … λ_to (from ≤ r < to): the bottom-r
   *  subspace is not unique, so value, baseline and leverage are those of r = to (the whole cluster) */
  undetermined?: { from: number; to: number };
}

/**
 * The cluster of tied eigenvalues (ascending `values`, 1-based ranks) that r cuts, or null when
 * λ_r and λ_{r+1} are apart (or r = d): then the bottom-r subspace is unique. Two neighbours tie
 * when their gap is within d·ε·max|λ| (ε = 2⁻⁵²), the f64 eigensolver's own error scale (numpy's
 * matrix_rank tolerance); a cluster is a maximal run of tied neighbours (docs/METHOD.md notes).
 */
export function tiedCluster(values: ArrayLike<number>, r: number): { from: number; to: number } | null {
  const d = values.length;
  if (r >= d) return null;
  let scale = 0;
  for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(values[i]));
  const tol = d * Number.EPSILON * scale;
  const tied = (i: number) => values[i] - values[i - 1] <= tol; // λ_i and λ_{i+1} (1-based) tie
  if (!tied(r)) return null;
  let from = r, to = r + 1;
  while (from > 1 && tied(from - 1)) from--;
  while (to < d && tied(to)) to++;
  return { from, to };
}

/**
 * The dead-subspace rank: the number of eigenvalues (ascending) below rel × the largest,
 * at least 1. When the largest eigenvalue is ≤ 0 (A = 0, all dead) r = d.
 */
export function deadRank(values: ArrayLike<number>, rel: number): number {
  const d = values.length;
  if (d === 0) return 0;
  const top = values[d - 1];
  if (!(top > 0)) return d;
  let r = 0;
  for (let i = 0; i < d; i++) if (values[i] < rel * top) r++;
  return Math.max(1, r);
}

function alignmentFromEigen(values: ArrayLike<number>, vectors: Float64Array[], d: number, rAsked: number): AxisAlignment {
  const undetermined = tiedCluster(values, rAsked);
  const r = undetermined ? undetermined.to : rAsked;
  const leverage = new Array<number>(d).fill(0);
  for (let j = 0; j < r; j++) {
    const u = vectors[j];
    for (let i = 0; i < d; i++) leverage[i] += u[i] * u[i];
  }
  const top = [...leverage].sort((a, b) => b - a).slice(0, r);
  const value = top.reduce((s, x) => s + x, 0) / r;
  return { r: rAsked, d, value, baseline: r / d, leverage, ...(undetermined ? { undetermined } : {}) };
}

/**
 * Axis-alignment with r = deadRank(eigenvalues of A, rel) (METHOD §5 default rel 1e-4,
 * ReadSettings.alignmentRel), or r = rOverride when given (1 ≤ rOverride ≤ d).
 */
export function axisAlignment(A: ArrayLike<number>, d: number, rel = 1e-4, rOverride?: number): AxisAlignment {
  if (!(Number.isInteger(d) && d >= 1)) throw new RangeError(`axisAlignment: bad dimension ${d}`);
  const { values, vectors } = symmetricEigen(A, d);
  const r = rOverride ?? deadRank(values, rel);
  if (!(Number.isInteger(r) && r >= 1 && r <= d)) throw new RangeError(`axisAlignment: rank ${r} not in 1…${d}`);
  return alignmentFromEigen(values, vectors, d, r);
}

/** One row of an r sweep: the alignment of the bottom-r subspace and its random baseline r/d
 *  (with `undetermined`: those of r = to, the bottom-r subspace not being unique). */
export interface AlignmentAtRank { r: number; value: number; baseline: number; undetermined?: { from: number; to: number } }

/**
 * The alignment at every r = 1 … min(rMax, d) from one eigendecomposition of A (the optimiser
 * contrast of METHOD §5 lives at small r, where the automatic r may be far larger), with the
 * automatic r (deadRank at rel) beside it.
 */
export function alignmentSweep(A: ArrayLike<number>, d: number, rel = 1e-4, rMax = 8): { auto: AxisAlignment; sweep: AlignmentAtRank[] } {
  if (!(Number.isInteger(d) && d >= 1)) throw new RangeError(`alignmentSweep: bad dimension ${d}`);
  const { values, vectors } = symmetricEigen(A, d);
  const auto = alignmentFromEigen(values, vectors, d, deadRank(values, rel));
  const sweep: AlignmentAtRank[] = [];
  for (let r = 1; r <= Math.min(rMax, d); r++) {
    const a = alignmentFromEigen(values, vectors, d, r);
    sweep.push({ r, value: a.value, baseline: a.baseline, ...(a.undetermined ? { undetermined: a.undetermined } : {}) });
  }
  return { auto, sweep };
}

/** Axis-alignment of the bottom-r eigenvectors of A for a given r (1 ≤ r ≤ d). */
export function axisAlignmentForRank(A: ArrayLike<number>, d: number, r: number): AxisAlignment {
  return axisAlignment(A, d, 1e-4, r);
}
