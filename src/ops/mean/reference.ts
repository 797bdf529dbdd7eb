/** Mean of positions in f64: y = Σ_{t ≥ start} x[t] / (T − start), ẏ likewise; the VJP spreads the cotangent evenly. */
import type { ReferenceOp } from '../op-def.ts';

function meanOf(x: Float64Array, n: number, T: number, D: number, start: number): Float64Array {
  const y = new Float64Array(n * D);
  const w = 1 / (T - start);
  for (let s = 0; s < n; s++) {
    for (let t = start; t < T; t++) {
      const o = (s * T + t) * D;
      for (let d = 0; d < D; d++) y[s * D + d] += x[o + d];
    }
    for (let d = 0; d < D; d++) y[s * D + d] *= w;
  }
  return y;
}

export const meanReference: ReferenceOp<'mean'> = {
  forward(op, { n, inShapes: [[T, D]], xs: [x], dxs: [dx], tangent }) {
    return { y: meanOf(x, n, T, D, op.start), dy: dx ? meanOf(dx, n, T, D, op.start) : tangent ? new Float64Array(n * D) : null };
  },
  vjp(op, { inShapes: [[T, D]], rows, cotangent }) {
    const w = 1 / (T - op.start);
    const back = new Float64Array(rows * T * D);
    for (let r = 0; r < rows; r++) {
      for (let t = op.start; t < T; t++) for (let d = 0; d < D; d++) back[(r * T + t) * D + d] = w * cotangent[r * D + d];
    }
    return [back];
  },
};
