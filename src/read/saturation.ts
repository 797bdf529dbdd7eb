/**
 * A saturated softmax head (METHOD notes): on a probe input whose largest class probability is
 * within `threshold` of 1, the classification Fisher of any direction v is at most
 * 2(1 − max p)·‖J v‖² (the softmax covariance diag(p) − ppᵀ has trace 1 − Σ p_c² ≤ 2(1 − max p)),
 * so F sits decades under a regular model's and the read calls many directions flat. The share
 * of such inputs tells the user.
 */
export const SATURATION_THRESHOLD = 1e-6;

export interface Saturation {
  /** probe inputs with 1 − max p < threshold */
  saturated: number;
  /** probe inputs looked at */
  of: number;
  share: number;
  threshold: number;
  /** the median over the probe of 1 − max p (how saturated a typical input is) */
  medianComplement: number;
}

/**
 * From the head's logits (count × classes, row-major). 1 − max p is computed as
 * Σ_{c ≠ argmax} e^{z_c − z_max} / (1 + that sum), which keeps its digits when it is 1e-40
 * (1 − max p itself would round to 0 in f64).
 */
export function softmaxSaturation(logits: Float64Array, count: number, classes: number, threshold = SATURATION_THRESHOLD): Saturation {
  const complements: number[] = [];
  let saturated = 0;
  for (let s = 0; s < count; s++) {
    const row = logits.subarray(s * classes, (s + 1) * classes);
    let top = 0;
    for (let c = 1; c < classes; c++) if (row[c] > row[top]) top = c;
    let rest = 0;
    for (let c = 0; c < classes; c++) if (c !== top) rest += Math.exp(row[c] - row[top]);
    const complement = rest / (1 + rest);
    complements.push(complement);
    if (complement < threshold) saturated++;
  }
  complements.sort((a, b) => a - b);
  const mid = complements.length >> 1;
  const medianComplement = complements.length === 0 ? NaN
    : complements.length % 2 ? complements[mid] : (complements[mid - 1] + complements[mid]) / 2;
  return { saturated, of: count, share: count ? saturated / count : 0, threshold, medianComplement };
}

/** The warning a read carries when most probe inputs saturate the head. */
export function saturationWarning(s: Saturation): string | null {
  if (s.share < 0.5) return null;
  return `the softmax head is saturated on ${s.saturated} of ${s.of} probe inputs (max p > 1 − ${s.threshold}; median 1 − max p = ${s.medianComplement.toExponential(1)}): `
    + 'there the classification Fisher of every direction is at most 2(1 − max p)·‖J v‖², so F sits decades under the live reference and many directions read flat; the read on the centred logits (head logits, --head logits) does not saturate.';
}
