/** Linear in f64: value, tangent (JVP) and reverse mode (VJP), batched over N samples; x is N × inF. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/** y = x Wᵀ + b;  dy = dx Wᵀ + x dWᵀ + db (x here is the perturbed input). */
export function linearForward(x: Arr, W: Arr, b: MaybeArr, n: number, inF: number, outF: number): Arr {
  const y = new Float64Array(n * outF);
  // Only a sample's non-zero inputs are summed (MNIST pixels, ReLU outputs are mostly 0): a zero
  // term leaves a finite sum unchanged, so y is the full sum to the bit (but the sign of a zero y).
  const nz = new Int32Array(inF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    let m = 0;
    for (let i = 0; i < inF; i++) if (x[xo + i] !== 0) nz[m++] = i;
    const yo = s * outF;
    let o = 0;
    // four outputs share each input load; every sum runs in the same order as one alone
    for (; o + 4 <= outF; o += 4) {
      const w0 = o * inF, w1 = w0 + inF, w2 = w1 + inF, w3 = w2 + inF;
      let a0 = b ? b[o] : 0, a1 = b ? b[o + 1] : 0, a2 = b ? b[o + 2] : 0, a3 = b ? b[o + 3] : 0;
      for (let j = 0; j < m; j++) {
        const i = nz[j];
        const xi = x[xo + i];
        a0 += W[w0 + i] * xi; a1 += W[w1 + i] * xi; a2 += W[w2 + i] * xi; a3 += W[w3 + i] * xi;
      }
      y[yo + o] = a0; y[yo + o + 1] = a1; y[yo + o + 2] = a2; y[yo + o + 3] = a3;
    }
    for (; o < outF; o++) {
      const wo = o * inF;
      let acc = b ? b[o] : 0;
      for (let j = 0; j < m; j++) acc += W[wo + nz[j]] * x[xo + nz[j]];
      y[yo + o] = acc;
    }
  }
  return y;
}

export function linearTangent(
  x: Arr, dx: MaybeArr, W: Arr, dW: MaybeArr, db: MaybeArr, n: number, inF: number, outF: number,
): Arr {
  const dy = new Float64Array(n * outF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let acc = db ? db[o] : 0;
      if (dx) for (let i = 0; i < inF; i++) acc += W[wo + i] * dx[xo + i];
      if (dW) for (let i = 0; i < inF; i++) acc += dW[wo + i] * x[xo + i];
      dy[s * outF + o] = acc;
    }
  }
  return dy;
}

export const linearReference: ReferenceOp<'linear'> = {
  forward(op, { n, params, xs: [x], dxs: [dx], tangent }) {
    const W = param(params, op.weight)!;
    const y = linearForward(x, W, param(params, op.bias), n, op.inFeatures, op.outFeatures);
    const dW = patchOf(tangent, op.weight);
    const db = patchOf(tangent, op.bias);
    const dy = dx || tangent ? linearTangent(x, dx, W, dW, db, n, op.inFeatures, op.outFeatures) : null;
    return { y, dy };
  },
  /** cotangent rows (R × out) · W → (R × in) */
  vjp(op, { params, rows, cotangent: M }) {
    const W = param(params, op.weight)!;
    const inF = op.inFeatures;
    const width = op.outFeatures;
    const next = new Float64Array(rows * inF);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < width; o++) {
        const g = M[r * width + o];
        if (g === 0) continue;
        const wo = o * inF;
        for (let c = 0; c < inF; c++) next[r * inF + c] += g * W[wo + c];
      }
    return [next];
  },
};
