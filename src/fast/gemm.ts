/**
 * The fast scan's matrix product in plain JavaScript (the f64 reference mode; f32 runs the
 * WebAssembly SIMD twin in src/fast/kernels.wat, see src/fast/wasm.ts), the multiply-add counter
 * and a transpose. Candidates measured are in BENCHMARKS.md, "CPU matrix multiply".
 */
export type FloatArray = Float32Array | Float64Array;

/** Multiply-adds done by every kernel here since the process started (for benchmarks). */
export const macCounter = { value: 0 };

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
