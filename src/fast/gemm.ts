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

/**
 * Y[r·outF + o] = start + Σ_{c < inF} (k·W[rowStart[o] + c·inStride])·X[xo + r·inF + c] for r < rows,
 * o < outF, with start = b[o] (0 without b), or Y's own entry when `start` is 'add': a linear layer
 * over dense rows, each sum added in index order from its start (the same operations as one output
 * at a time, so the same bits; k = 1 multiplies exactly). Four rows × two outputs share every load
 * (the per-row dot loop streamed the whole matrix once per row: a GPT-2 layer is 7 MB).
 * Not in macCounter, which counts the fast scans' products (the engine's f64 work is not counted).
 */
export function denseRowsTimes(
  X: FloatArray, xo: number, rows: number, inF: number, W: FloatArray, rowStart: Int32Array, inStride: number, outF: number,
  Y: Float64Array, yo: number, start: ArrayLike<number> | null | 'add', k = 1,
): void {
  const si = inStride;
  const add = start === 'add';
  const b = add ? null : start;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = xo + r * inF, x1 = x0 + inF, x2 = x1 + inF, x3 = x2 + inF;
    const y0 = yo + r * outF, y1 = y0 + outF, y2 = y1 + outF, y3 = y2 + outF;
    let o = 0;
    for (; o + 2 <= outF; o += 2) {
      const p = rowStart[o], q = rowStart[o + 1];
      const b0 = b ? b[o] : 0, b1 = b ? b[o + 1] : 0;
      let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
      if (add) {
        a00 = Y[y0 + o]; a01 = Y[y0 + o + 1]; a10 = Y[y1 + o]; a11 = Y[y1 + o + 1];
        a20 = Y[y2 + o]; a21 = Y[y2 + o + 1]; a30 = Y[y3 + o]; a31 = Y[y3 + o + 1];
      }
      for (let c = 0; c < inF; c++) {
        const w0 = k * W[p + c * si], w1 = k * W[q + c * si];
        const v0 = X[x0 + c], v1 = X[x1 + c], v2 = X[x2 + c], v3 = X[x3 + c];
        a00 += w0 * v0; a01 += w1 * v0;
        a10 += w0 * v1; a11 += w1 * v1;
        a20 += w0 * v2; a21 += w1 * v2;
        a30 += w0 * v3; a31 += w1 * v3;
      }
      Y[y0 + o] = a00; Y[y0 + o + 1] = a01;
      Y[y1 + o] = a10; Y[y1 + o + 1] = a11;
      Y[y2 + o] = a20; Y[y2 + o + 1] = a21;
      Y[y3 + o] = a30; Y[y3 + o + 1] = a31;
    }
    for (; o < outF; o++) {
      const p = rowStart[o];
      const b0 = b ? b[o] : 0;
      let a0 = add ? Y[y0 + o] : b0, a1 = add ? Y[y1 + o] : b0, a2 = add ? Y[y2 + o] : b0, a3 = add ? Y[y3 + o] : b0;
      for (let c = 0; c < inF; c++) {
        const w = k * W[p + c * si];
        a0 += w * X[x0 + c]; a1 += w * X[x1 + c]; a2 += w * X[x2 + c]; a3 += w * X[x3 + c];
      }
      Y[y0 + o] = a0; Y[y1 + o] = a1; Y[y2 + o] = a2; Y[y3 + o] = a3;
    }
  }
  for (; r < rows; r++) {
    const x0 = xo + r * inF, y0 = yo + r * outF;
    for (let o = 0; o < outF; o++) {
      const p = rowStart[o];
      let a = add ? Y[y0 + o] : b ? b[o] : 0;
      for (let c = 0; c < inF; c++) a += k * W[p + c * si] * X[x0 + c];
      Y[y0 + o] = a;
    }
  }
}
