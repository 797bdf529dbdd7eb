/** Take in f64: y = x[t], ẏ = ẋ[t]; the cotangent goes back to row t, zero elsewhere. */
import type { ReferenceOp } from '../op-def.ts';
import { takePosition } from './definition.ts';

function rowOf(x: Float64Array, n: number, T: number, D: number, t: number): Float64Array {
  const y = new Float64Array(n * D);
  for (let s = 0; s < n; s++) y.set(x.subarray((s * T + t) * D, (s * T + t + 1) * D), s * D);
  return y;
}

export const takeReference: ReferenceOp<'take'> = {
  forward(op, { n, inShapes: [[T, D]], xs: [x], dxs: [dx], tangent }) {
    const t = takePosition(op, T);
    return { y: rowOf(x, n, T, D, t), dy: dx ? rowOf(dx, n, T, D, t) : tangent ? new Float64Array(n * D) : null };
  },
  vjp(op, { inShapes: [[T, D]], rows, cotangent }) {
    const t = takePosition(op, T);
    const back = new Float64Array(rows * T * D);
    for (let r = 0; r < rows; r++) back.set(cotangent.subarray(r * D, (r + 1) * D), (r * T + t) * D);
    return [back];
  },
};
