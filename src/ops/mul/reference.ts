/** Product in f64: y = a ⊙ b, ẏ = ȧ ⊙ b + a ⊙ ḃ; the cotangent c goes back as (c ⊙ b, c ⊙ a). */
import type { ReferenceOp } from '../op-def.ts';

export const mulReference: ReferenceOp<'mul'> = {
  forward(_op, { xs: [a, b], dxs: [da, db], tangent }) {
    const y = new Float64Array(a.length);
    for (let i = 0; i < y.length; i++) y[i] = a[i] * b[i];
    if (!da && !db) return { y, dy: tangent ? new Float64Array(y.length) : null };
    const dy = new Float64Array(y.length);
    if (da) for (let i = 0; i < dy.length; i++) dy[i] += da[i] * b[i];
    if (db) for (let i = 0; i < dy.length; i++) dy[i] += a[i] * db[i];
    return { y, dy };
  },
  vjp(_op, { xs: [a, b], inShapes: [shape], rows, cotangent }) {
    const f = shape.reduce((x, y) => x * y, 1);
    const ca = new Float64Array(rows * f), cb = new Float64Array(rows * f);
    for (let r = 0; r < rows; r++) for (let i = 0; i < f; i++) {
      ca[r * f + i] = cotangent[r * f + i] * b[i];
      cb[r * f + i] = cotangent[r * f + i] * a[i];
    }
    return [ca, cb];
  },
};
