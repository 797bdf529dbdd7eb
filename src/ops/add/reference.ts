/** Add in f64: y = a + b, ẏ = ȧ + ḃ; the cotangent passes to both inputs. */
import type { ReferenceOp } from '../op-def.ts';

export const addReference: ReferenceOp<'add'> = {
  forward(_op, { xs: [a, b], dxs: [da, db], tangent }) {
    const y = new Float64Array(a.length);
    for (let i = 0; i < y.length; i++) y[i] = a[i] + b[i];
    if (!da && !db) return { y, dy: tangent ? new Float64Array(y.length) : null };
    const dy = new Float64Array(y.length);
    if (da) for (let i = 0; i < dy.length; i++) dy[i] += da[i];
    if (db) for (let i = 0; i < dy.length; i++) dy[i] += db[i];
    return { y, dy };
  },
  vjp: (_op, { cotangent }) => [cotangent.slice(), cotangent.slice()],
};
