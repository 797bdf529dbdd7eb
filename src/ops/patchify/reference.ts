/** Patchify in f64: y[p, d] = x[d, p] (a transpose of [D, P]); the VJP transposes back. */
import type { ReferenceOp } from '../op-def.ts';

/** n matrices [A, B] → [B, A]. */
function transposeEach(x: Float64Array, n: number, A: number, B: number): Float64Array {
  const y = new Float64Array(n * A * B);
  for (let s = 0; s < n; s++) {
    const o = s * A * B;
    for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) y[o + b * A + a] = x[o + a * B + b];
  }
  return y;
}

export const patchifyReference: ReferenceOp<'patchify'> = {
  forward(_op, { n, inShapes: [[D, h, w]], xs: [x], dxs: [dx] }) {
    return { y: transposeEach(x, n, D, h * w), dy: dx ? transposeEach(dx, n, D, h * w) : null };
  },
  vjp: (_op, { inShapes: [[D, h, w]], rows, cotangent }) => [transposeEach(cotangent, rows, h * w, D)],
};
