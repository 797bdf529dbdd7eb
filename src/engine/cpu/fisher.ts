/** The Fisher quadratic form of the head (METHOD §1), per sample, in f64. */
type Arr = Float64Array;
type MaybeArr = Float64Array | null;

import type { Head } from '../types.ts';

/**
 * The per-sample Fisher quadratic form of the output tangent dz (METHOD §1) for the sample whose
 * logits start at z[zo] and tangent at dz[jo], `w` outputs; `p` is scratch of length ≥ w:
 * regression ‖dz‖²; classification Var_{c∼softmax(z)}[dz_c]; logits ‖dz − mean(dz)‖².
 */
export function headFisherRow(head: Head, z: ArrayLike<number>, zo: number, dz: ArrayLike<number>, jo: number, w: number, p: Float64Array): number {
  if (head === 'regression') {
    let acc = 0;
    for (let c = 0; c < w; c++) acc += dz[jo + c] * dz[jo + c];
    return acc;
  }
  if (head === 'logits') {
    let m = 0;
    for (let c = 0; c < w; c++) m += dz[jo + c];
    m /= w;
    let acc = 0;
    for (let c = 0; c < w; c++) acc += (dz[jo + c] - m) ** 2;
    return acc;
  }
  let mx = -Infinity;
  for (let c = 0; c < w; c++) mx = Math.max(mx, z[zo + c]);
  let sum = 0;
  for (let c = 0; c < w; c++) sum += (p[c] = Math.exp(z[zo + c] - mx));
  let e1 = 0;
  for (let c = 0; c < w; c++) e1 += (p[c] /= sum) * dz[jo + c];
  // centred form: Σ p (dz − E dz)² avoids the cancellation of Σ p dz² − (Σ p dz)² when saturated
  let v = 0;
  for (let c = 0; c < w; c++) v += p[c] * (dz[jo + c] - e1) ** 2;
  return v;
}

/**
 * The Fisher form of every sample (n samples of `out` outputs): `rows` positions of out / rows
 * outputs each, each its own softmax / Gaussian, summed (the joint likelihood over positions).
 */
export function fisherPerSample(head: Head, z: Arr, dz: Arr, n: number, out: number, rows = 1): Arr {
  const f = new Float64Array(n);
  const w = out / rows;
  const p = new Float64Array(w);
  for (let s = 0; s < n; s++) {
    let acc = 0;
    for (let r = 0; r < rows; r++) acc += headFisherRow(head, z, s * out + r * w, dz, s * out + r * w, w, p);
    f[s] = acc;
  }
  return f;
}

export const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

