/** Stored tokens in f64: y = [x_<at; c; x_≥at], ẏ = [ẋ_<at; ċ; ẋ_≥at]; the cotangent of x is the output's without the token rows. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';
import type { ParamArray } from '../../engine/types.ts';
import { clsTokens } from './definition.ts';

/** Per sample: x's rows before `at`, then c's R rows, then the rest of x. */
function join(x: Float64Array | null, c: ParamArray | null, n: number, T: number, D: number, R: number, at: number): Float64Array {
  const F = T * D, G = F + R * D;
  const y = new Float64Array(n * G);
  for (let s = 0; s < n; s++) {
    if (x) {
      y.set(x.subarray(s * F, s * F + at * D), s * G);
      y.set(x.subarray(s * F + at * D, (s + 1) * F), s * G + (at + R) * D);
    }
    if (c) y.set(c.subarray(0, R * D), s * G + at * D);
  }
  return y;
}

export const clsReference: ReferenceOp<'cls'> = {
  forward(op, { n, inShapes: [[T, D]], params, xs: [x], dxs: [dx], tangent }) {
    const { R, at } = clsTokens(op);
    const c = param(params, op.weight)!;
    const dc = patchOf(tangent, op.weight);
    const y = join(x, c, n, T, D, R, at);
    return { y, dy: !dx && !dc ? null : join(dx, dc, n, T, D, R, at) };
  },
  vjp(op, { inShapes: [[T, D]], rows, cotangent }) {
    const { R, at } = clsTokens(op);
    const F = T * D, G = F + R * D;
    const next = new Float64Array(rows * F);
    for (let r = 0; r < rows; r++) {
      next.set(cotangent.subarray(r * G, r * G + at * D), r * F);
      next.set(cotangent.subarray(r * G + (at + R) * D, (r + 1) * G), r * F + at * D);
    }
    return [next];
  },
};
