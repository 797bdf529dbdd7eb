/** Slice of the last axis in f64: a copy of features start … start + length − 1; the VJP scatters back. */
import type { ReferenceOp } from '../op-def.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Rows (all axes but the last, times n) of width F in x → width L from `start`. */
function cut(x: Float64Array, rows: number, F: number, start: number, L: number): Float64Array {
  const y = new Float64Array(rows * L);
  for (let r = 0; r < rows; r++) y.set(x.subarray(r * F + start, r * F + start + L), r * L);
  return y;
}

export const sliceReference: ReferenceOp<'slice'> = {
  forward(op, { n, inShapes: [shape], xs: [x], dxs: [dx] }) {
    const F = shape[shape.length - 1];
    const rows = (n * size(shape)) / F;
    return { y: cut(x, rows, F, op.start, op.length), dy: dx ? cut(dx, rows, F, op.start, op.length) : null };
  },
  vjp(op, { inShapes: [shape], rows, cotangent }) {
    const F = shape[shape.length - 1], L = op.length;
    const R = (rows * size(shape)) / F;
    const next = new Float64Array(R * F);
    for (let r = 0; r < R; r++) next.set(cotangent.subarray(r * L, (r + 1) * L), r * F + op.start);
    return [next];
  },
};
