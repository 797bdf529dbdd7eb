/** The Fisher quadratic form of the head (METHOD §1), per sample, in f64. */
type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/**
 * Per-sample Fisher quadratic form of the output tangent (METHOD §1):
 * regression ‖dz‖²; classification Var_{c∼softmax(z)}[dz_c] = Σ p dz² − (Σ p dz)².
 */
export function fisherPerSample(head: 'regression' | 'classification', z: Arr, dz: Arr, n: number, out: number): Arr {
  const f = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const o = s * out;
    if (head === 'regression') {
      let acc = 0;
      for (let c = 0; c < out; c++) acc += dz[o + c] * dz[o + c];
      f[s] = acc;
    } else {
      let m = -Infinity;
      for (let c = 0; c < out; c++) m = Math.max(m, z[o + c]);
      let zsum = 0;
      for (let c = 0; c < out; c++) zsum += Math.exp(z[o + c] - m);
      let e1 = 0;
      for (let c = 0; c < out; c++) e1 += (Math.exp(z[o + c] - m) / zsum) * dz[o + c];
      // Centred form: Σ p (dz − E dz)² avoids the cancellation of Σ p dz² − (Σ p dz)².
      let v = 0;
      for (let c = 0; c < out; c++) v += (Math.exp(z[o + c] - m) / zsum) * (dz[o + c] - e1) ** 2;
      f[s] = v;
    }
  }
  return f;
}

export const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

