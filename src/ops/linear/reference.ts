/**
 * Linear in f64: value, tangent (JVP) and reverse mode (VJP), batched over N samples; x is N × inF
 * (N × T rows when positionwise). W is read in its stored layout through `LinearWeightAt`.
 */
import type { ReferenceOp } from '../op-def.ts';
import type { ParamArray } from '../../engine/types.ts';
import { param, patchOf } from '../reference-args.ts';
import { denseRowsTimes } from '../../fast/gemm.ts';
import { linearPositions, linearWeightAt, outInAt, type LinearWeightAt } from './definition.ts';

type Arr = Float64Array;
type MaybeArr = ParamArray | null;

/** y = x Wᵀ + b;  dy = dx Wᵀ + x dWᵀ + db (x here is the perturbed input). */
export function linearForward(x: Arr, W: ParamArray, b: MaybeArr, n: number, inF: number, outF: number, at: LinearWeightAt = outInAt(inF, outF)): Arr {
  const y = new Float64Array(n * outF);
  const { rowStart, inStride: si } = at;
  // Only a sample's non-zero inputs are summed (MNIST pixels, ReLU outputs are mostly 0): a zero
  // term leaves a finite sum unchanged, so y is the full sum to the bit (but the sign of a zero y).
  const nz = new Int32Array(inF);
  const nzW = new Int32Array(inF);
  // rows without a zero input (a transformer's activations) run as a block through denseRowsTimes:
  // the same sums in the same order, four rows sharing each weight load
  const dense = (s: number) => {
    const xo = s * inF;
    for (let i = 0; i < inF; i++) if (x[xo + i] === 0) return false;
    return true;
  };
  for (let s = 0; s < n; s++) {
    if (dense(s)) {
      let e = s + 1;
      while (e < n && dense(e)) e++;
      denseRowsTimes(x, s * inF, e - s, inF, W, rowStart, si, outF, y, s * outF, b);
      s = e - 1;
      continue;
    }
    const xo = s * inF;
    let m = 0;
    for (let i = 0; i < inF; i++) if (x[xo + i] !== 0) { nz[m] = xo + i; nzW[m++] = i * si; }
    const yo = s * outF;
    let o = 0;
    // four outputs share each input load; every sum runs in the same order as one alone
    for (; o + 4 <= outF; o += 4) {
      const w0 = rowStart[o], w1 = rowStart[o + 1], w2 = rowStart[o + 2], w3 = rowStart[o + 3];
      let a0 = b ? b[o] : 0, a1 = b ? b[o + 1] : 0, a2 = b ? b[o + 2] : 0, a3 = b ? b[o + 3] : 0;
      for (let j = 0; j < m; j++) {
        const xi = x[nz[j]];
        const wi = nzW[j];
        a0 += W[w0 + wi] * xi; a1 += W[w1 + wi] * xi; a2 += W[w2 + wi] * xi; a3 += W[w3 + wi] * xi;
      }
      y[yo + o] = a0; y[yo + o + 1] = a1; y[yo + o + 2] = a2; y[yo + o + 3] = a3;
    }
    for (; o < outF; o++) {
      const wo = rowStart[o];
      let acc = b ? b[o] : 0;
      for (let j = 0; j < m; j++) acc += W[wo + nzW[j]] * x[nz[j]];
      y[yo + o] = acc;
    }
  }
  return y;
}

export function linearTangent(
  x: Arr, dx: MaybeArr, W: ParamArray, dW: MaybeArr, db: MaybeArr, n: number, inF: number, outF: number, at: LinearWeightAt = outInAt(inF, outF),
): Arr {
  const dy = new Float64Array(n * outF);
  const { rowStart, inStride: si } = at;
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = rowStart[o];
      let acc = db ? db[o] : 0;
      if (dx) for (let i = 0; i < inF; i++) acc += W[wo + i * si] * dx[xo + i];
      if (dW) for (let i = 0; i < inF; i++) acc += dW[wo + i * si] * x[xo + i];
      dy[s * outF + o] = acc;
    }
  }
  return dy;
}

export const linearReference: ReferenceOp<'linear'> = {
  forward(op, { n, inShapes, params, xs: [x], dxs: [dx], tangent }) {
    const W = param(params, op.weight)!;
    const at = linearWeightAt(op);
    // positionwise: every position of every sample is one row of the same map
    const rows = n * linearPositions(op, inShapes[0]);
    const y = linearForward(x, W, param(params, op.bias), rows, op.inFeatures, op.outFeatures, at);
    const dW = patchOf(tangent, op.weight);
    const db = patchOf(tangent, op.bias);
    const dy = dx || tangent ? linearTangent(x, dx, W, dW, db, rows, op.inFeatures, op.outFeatures, at) : null;
    return { y, dy };
  },
  /** cotangent rows (R × T·out) · W → (R × T·in) */
  vjp(op, { params, inShapes, rows, cotangent: M }) {
    const W = param(params, op.weight)!;
    const { rowStart, inStride: si } = linearWeightAt(op);
    const inF = op.inFeatures;
    const outF = op.outFeatures;
    const T = linearPositions(op, inShapes[0]);
    const next = new Float64Array(rows * T * inF);
    for (let r = 0; r < rows * T; r++)
      for (let o = 0; o < outF; o++) {
        const g = M[r * outF + o];
        if (g === 0) continue;
        const wo = rowStart[o];
        for (let c = 0; c < inF; c++) next[r * inF + c] += g * W[wo + c * si];
      }
    return [next];
  },
};
