/** BatchNorm (eval) in f64: value, tangent and reverse mode (a per-channel affine map). */
import type { ReferenceOp } from '../op-def.ts';
import type { ParamArray } from '../../engine/types.ts';
import { param, patchOf } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = ParamArray | null;

/** BatchNorm in eval mode over channel axis 1 of N×C×(spatial): y = γ(x−μ)/√(σ²+ε) + β. */
export function batchnormForward(
  x: Arr, gamma: MaybeArr, beta: MaybeArr, mean: ParamArray, variance: ParamArray, eps: number, n: number, c: number, spatial: number,
): Arr {
  const y = new Float64Array(x.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    const g = gamma ? gamma[ch] : 1;
    const b = beta ? beta[ch] : 0;
    const off = (s * c + ch) * spatial;
    for (let p = 0; p < spatial; p++) y[off + p] = g * (x[off + p] - mean[ch]) * inv + b;
  }
  return y;
}

export function batchnormTangent(
  x: Arr, dx: MaybeArr, gamma: MaybeArr, dGamma: MaybeArr, dBeta: MaybeArr, mean: ParamArray, variance: ParamArray, eps: number,
  n: number, c: number, spatial: number,
): Arr {
  const dy = new Float64Array(x.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    const g = gamma ? gamma[ch] : 1;
    const dg = dGamma ? dGamma[ch] : 0;
    const db = dBeta ? dBeta[ch] : 0;
    const off = (s * c + ch) * spatial;
    for (let p = 0; p < spatial; p++) {
      const xn = (x[off + p] - mean[ch]) * inv;
      dy[off + p] = (dx ? g * dx[off + p] * inv : 0) + dg * xn + db;
    }
  }
  return dy;
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const batchnormReference: ReferenceOp<'batchnorm'> = {
  forward(op, { n, inShapes: [inShape], params, xs: [x], dxs: [dx], tangent }) {
    const c = inShape[0];
    const spatial = sizeOf(inShape) / c;
    const g = param(params, op.weight);
    const m = param(params, op.runningMean)!;
    const v = param(params, op.runningVar)!;
    const y = batchnormForward(x, g, param(params, op.bias), m, v, op.eps, n, c, spatial);
    const dy = dx || tangent
      ? batchnormTangent(x, dx, g, patchOf(tangent, op.weight), patchOf(tangent, op.bias), m, v, op.eps, n, c, spatial)
      : null;
    return { y, dy };
  },
  vjp(op, { params, inShapes: [inShape], rows, cotangent: M }) {
    const inF = sizeOf(inShape);
    const plane = inF / inShape[0];
    const g = param(params, op.weight);
    const v = param(params, op.runningVar)!;
    const next = new Float64Array(rows * inF);
    for (let r = 0; r < rows; r++) for (let f = 0; f < inF; f++) {
      const ch = Math.floor(f / plane);
      next[r * inF + f] = M[r * inF + f] * (g ? g[ch] : 1) / Math.sqrt(v[ch] + op.eps);
    }
    return [next];
  },
};
