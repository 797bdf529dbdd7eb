/**
 * Linear in f64: value, tangent (JVP) and reverse mode (VJP), batched over N samples; x is N × inF
 * (N × T rows when positionwise). W is read in its stored layout through `LinearWeightAt`.
 */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';
import { linearPositions, linearWeightAt, outInAt, type LinearWeightAt } from './definition.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/** y = x Wᵀ + b;  dy = dx Wᵀ + x dWᵀ + db (x here is the perturbed input). */
export function linearForward(x: Arr, W: Arr, b: MaybeArr, n: number, inF: number, outF: number, at: LinearWeightAt = outInAt(inF, outF)): Arr {
  const y = new Float64Array(n * outF);
  const { rowStart, inStride: si } = at;
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = rowStart[o];
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) acc += W[wo + i * si] * x[xo + i];
      y[s * outF + o] = acc;
    }
  }
  return y;
}

export function linearTangent(
  x: Arr, dx: MaybeArr, W: Arr, dW: MaybeArr, db: MaybeArr, n: number, inF: number, outF: number, at: LinearWeightAt = outInAt(inF, outF),
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
