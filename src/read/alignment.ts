/**
 * Axis-alignment of a layer's dead subspace (METHOD §5).
 * A (d×d, symmetric, flat row-major) is the layer's activation second moment E[a aᵀ] in
 * neuron coordinates. U (d×r) = its bottom-r eigenvectors; leverage ℓ_i = ‖Uᵀ e_i‖²
 * (Σ_i ℓ_i = r); alignment = (1/r)·(sum of the r largest ℓ_i) ∈ [r/d, 1]:
 * 1 when the dead subspace is spanned by r single neurons, ≈ r/d when it is spread.
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

function alignmentFromEigen(vectors: Float64Array[], d: number, r: number): AxisAlignment {
  const leverage = new Array<number>(d).fill(0);
  for (let j = 0; j < r; j++) {
    const u = vectors[j];
    for (let i = 0; i < d; i++) leverage[i] += u[i] * u[i];
  }
  const top = [...leverage].sort((a, b) => b - a).slice(0, r);
  const value = top.reduce((s, x) => s + x, 0) / r;
  return { r, d, value, baseline: r / d, leverage };
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
  return alignmentFromEigen(vectors, d, r);
}

/** One row of an r sweep: the alignment of the bottom-r subspace and its random baseline r/d. */
export interface AlignmentAtRank { r: number; value: number; baseline: number }

/**
 * The alignment at every r = 1 … min(rMax, d) from one eigendecomposition of A (the optimiser
 * contrast of METHOD §5 lives at small r, where the automatic r may be far larger), with the
 * automatic r (deadRank at rel) beside it.
 */
export function alignmentSweep(A: ArrayLike<number>, d: number, rel = 1e-4, rMax = 8): { auto: AxisAlignment; sweep: AlignmentAtRank[] } {
  if (!(Number.isInteger(d) && d >= 1)) throw new RangeError(`alignmentSweep: bad dimension ${d}`);
  const { values, vectors } = symmetricEigen(A, d);
  const auto = alignmentFromEigen(vectors, d, deadRank(values, rel));
  const sweep: AlignmentAtRank[] = [];
  for (let r = 1; r <= Math.min(rMax, d); r++) {
    const a = alignmentFromEigen(vectors, d, r);
    sweep.push({ r, value: a.value, baseline: a.baseline });
  }
  return { auto, sweep };
}

/** Axis-alignment of the bottom-r eigenvectors of A for a given r (1 ≤ r ≤ d). */
export function axisAlignmentForRank(A: ArrayLike<number>, d: number, r: number): AxisAlignment {
  return axisAlignment(A, d, 1e-4, r);
}
