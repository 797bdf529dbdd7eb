/** Linear in f64: value, tangent (JVP) and reverse mode (VJP), batched over N samples; x is N × inF. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/** y = x Wᵀ + b;  dy = dx Wᵀ + x dWᵀ + db (x here is the perturbed input). */
export function linearForward(x: Arr, W: Arr, b: MaybeArr, n: number, inF: number, outF: number): Arr {
  const y = new Float64Array(n * outF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) acc += W[wo + i] * x[xo + i];
      y[s * outF + o] = acc;
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
