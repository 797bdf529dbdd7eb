/** The class token in f64: y = [c; x], ẏ = [ċ; ẋ]; the cotangent of x is the output's without row 0. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';

export const clsReference: ReferenceOp<'cls'> = {
  forward(op, { n, inShapes: [[T, D]], params, xs: [x], dxs: [dx], tangent }) {
    const c = param(params, op.weight)!;
    const dc = patchOf(tangent, op.weight);
    const F = T * D, G = F + D;
    const y = new Float64Array(n * G);
    for (let s = 0; s < n; s++) {
      y.set(c.subarray(0, D), s * G);
      y.set(x.subarray(s * F, (s + 1) * F), s * G + D);
    }
    if (!dx && !dc) return { y, dy: null };
    const dy = new Float64Array(n * G);
    for (let s = 0; s < n; s++) {
      if (dc) dy.set(dc.subarray(0, D), s * G);
      if (dx) dy.set(dx.subarray(s * F, (s + 1) * F), s * G + D);
    }
    return { y, dy };
  },
  vjp(_op, { inShapes: [[T, D]], rows, cotangent }) {
    const F = T * D, G = F + D;
    const next = new Float64Array(rows * F);
    for (let r = 0; r < rows; r++) next.set(cotangent.subarray(r * G + D, (r + 1) * G), r * F);
    return [next];
  },
};
