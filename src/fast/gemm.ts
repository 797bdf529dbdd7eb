/**
 * Dense matrix products on the CPU in plain JavaScript over Float32Array or Float64Array, the
 * shapes the fast scan needs: C = A·Wᵀ (+ b) with W in PyTorch's [out, in] layout, so both
 * operands are read along contiguous rows. A 4-row × 2-column register tile keeps 8 sums in
 * registers and reads each loaded element twice or four times. JavaScript computes in f64 whatever
 * the array type; an f32 array rounds on store. (Candidates measured against this one are in
 * BENCHMARKS.md, "CPU matrix multiply".)
 */
export type FloatArray = Float32Array | Float64Array;

/** Multiply-adds done by every kernel here since the process started (for benchmarks). */
export const macCounter = { value: 0 };

/** C[r, o] = Σ_k A[r, k]·W[o, k] + (b ? b[o] : 0), C of `rows × outF` written into `C`. */
export function matmulTransB(
  A: FloatArray, rows: number, k: number, W: FloatArray, outF: number, b: FloatArray | null, C: FloatArray,
): void {
  macCounter.value += rows * k * outF;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = r * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    let o = 0;
    for (; o + 2 <= outF; o += 2) {
      const w0 = o * k, w1 = w0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let c = 0; c < k; c++) {
        const x0 = W[w0 + c], x1 = W[w1 + c];
        const y0 = A[a0 + c], y1 = A[a1 + c], y2 = A[a2 + c], y3 = A[a3 + c];
        s00 += y0 * x0; s01 += y0 * x1;
        s10 += y1 * x0; s11 += y1 * x1;
        s20 += y2 * x0; s21 += y2 * x1;
        s30 += y3 * x0; s31 += y3 * x1;
      }
      const b0 = b ? b[o] : 0, b1 = b ? b[o + 1] : 0;
      C[r * outF + o] = s00 + b0; C[r * outF + o + 1] = s01 + b1;
      C[(r + 1) * outF + o] = s10 + b0; C[(r + 1) * outF + o + 1] = s11 + b1;
      C[(r + 2) * outF + o] = s20 + b0; C[(r + 2) * outF + o + 1] = s21 + b1;
      C[(r + 3) * outF + o] = s30 + b0; C[(r + 3) * outF + o + 1] = s31 + b1;
    }
    for (; o < outF; o++) {
      const w0 = o * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let c = 0; c < k; c++) {
        const x = W[w0 + c];
        s0 += A[a0 + c] * x; s1 += A[a1 + c] * x; s2 += A[a2 + c] * x; s3 += A[a3 + c] * x;
      }
      const bo = b ? b[o] : 0;
      C[r * outF + o] = s0 + bo; C[(r + 1) * outF + o] = s1 + bo; C[(r + 2) * outF + o] = s2 + bo; C[(r + 3) * outF + o] = s3 + bo;
    }
  }
  for (; r < rows; r++) {
    const a0 = r * k;
    for (let o = 0; o < outF; o++) {
      const w0 = o * k;
      let s = 0;
      for (let c = 0; c < k; c++) s += A[a0 + c] * W[w0 + c];
      C[r * outF + o] = s + (b ? b[o] : 0);
    }
  }
}

/**
 * C[r, :] += Σ_k A[r, k]·WT[k, :] over the non-zero A[r, k] only, WT = Wᵀ in [k, outF] layout.
 * For a left operand with many exact zeros (MNIST pixels, ReLU outputs, masked tangents) the work
 * is nnz(A)·outF instead of rows·k·outF. Eight non-zeros share each pass over a row, summed into
 * an f64 row (C, maybe f32, is read and written once per row): 1.3–1.8× the four-wide f32 pass.
 */
export function addSparseRowsTimes(A: FloatArray, rows: number, k: number, WT: FloatArray, outF: number, C: FloatArray): void {
  const idx = new Int32Array(k);
  const acc = new Float64Array(outF);
  for (let r = 0; r < rows; r++) {
    const ao = r * k;
    let nz = 0;
    for (let c = 0; c < k; c++) if (A[ao + c] !== 0) idx[nz++] = c;
    if (nz === 0) continue;
    macCounter.value += nz * outF;
    const co = r * outF;
    for (let o = 0; o < outF; o++) acc[o] = C[co + o];
    let j = 0;
    for (; j + 8 <= nz; j += 8) {
      const k0 = idx[j], k1 = idx[j + 1], k2 = idx[j + 2], k3 = idx[j + 3], k4 = idx[j + 4], k5 = idx[j + 5], k6 = idx[j + 6], k7 = idx[j + 7];
      const a0 = A[ao + k0], a1 = A[ao + k1], a2 = A[ao + k2], a3 = A[ao + k3];
      const a4 = A[ao + k4], a5 = A[ao + k5], a6 = A[ao + k6], a7 = A[ao + k7];
      const w0 = k0 * outF, w1 = k1 * outF, w2 = k2 * outF, w3 = k3 * outF;
      const w4 = k4 * outF, w5 = k5 * outF, w6 = k6 * outF, w7 = k7 * outF;
      for (let o = 0; o < outF; o++) {
        acc[o] += a0 * WT[w0 + o] + a1 * WT[w1 + o] + a2 * WT[w2 + o] + a3 * WT[w3 + o]
          + a4 * WT[w4 + o] + a5 * WT[w5 + o] + a6 * WT[w6 + o] + a7 * WT[w7 + o];
      }
    }
    for (; j < nz; j++) {
      const a = A[ao + idx[j]];
      const w = idx[j] * outF;
      for (let o = 0; o < outF; o++) acc[o] += a * WT[w + o];
    }
    for (let o = 0; o < outF; o++) C[co + o] = acc[o];
  }
}

/** Wᵀ of a row-major [rows, cols] matrix, in the array type given. */
export function transposed<T extends FloatArray>(W: ArrayLike<number>, rows: number, cols: number, out: T): T {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = W[r * cols + c];
  return out;
}
