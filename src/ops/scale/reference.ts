/** Layer scale in f64: y = x ⊙ γ, ẏ = ẋ ⊙ γ + x ⊙ γ̇ (γ on the last axis); the cotangent of x is c ⊙ γ. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const scaleReference: ReferenceOp<'scale'> = {
  forward(op, { n, inShapes: [shape], params, xs: [x], dxs: [dx], tangent }) {
    const g = param(params, op.weight)!;
    const dg = patchOf(tangent, op.weight);
    const D = shape[shape.length - 1];
    const N = n * size(shape);
    const y = new Float64Array(N);
    for (let k = 0; k < N; k++) y[k] = x[k] * g[k % D];
    if (!dx && !dg) return { y, dy: null };
    const dy = new Float64Array(N);
    for (let k = 0; k < N; k++) dy[k] = (dx ? dx[k] * g[k % D] : 0) + (dg ? x[k] * dg[k % D] : 0);
    return { y, dy };
  },
  vjp(op, { params, inShapes: [shape], rows, cotangent }) {
    const g = param(params, op.weight)!;
    const D = shape[shape.length - 1];
    return [cotangent.map((c, k) => c * g[k % D])];
  },
};
