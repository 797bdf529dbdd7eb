/** Concat in f64: each row is a's row then b's; the VJP splits the cotangent back. */
import type { ReferenceOp } from '../op-def.ts';

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

function join(a: Float64Array, b: Float64Array, rows: number, Fa: number, Fb: number): Float64Array {
  const F = Fa + Fb;
  const y = new Float64Array(rows * F);
  for (let r = 0; r < rows; r++) {
    y.set(a.subarray(r * Fa, (r + 1) * Fa), r * F);
    y.set(b.subarray(r * Fb, (r + 1) * Fb), r * F + Fa);
  }
  return y;
}

export const concatReference: ReferenceOp<'concat'> = {
  forward(_op, { n, inShapes: [sa, sb], xs: [a, b], dxs: [da, db], tangent }) {
    const Fa = sa[sa.length - 1], Fb = sb[sb.length - 1];
    const rows = (n * size(sa)) / Fa;
    const y = join(a, b, rows, Fa, Fb);
    if (!da && !db) return { y, dy: tangent ? new Float64Array(y.length) : null };
    const dy = join(da ?? new Float64Array(a.length), db ?? new Float64Array(b.length), rows, Fa, Fb);
    return { y, dy };
  },
  vjp(_op, { inShapes: [sa, sb], rows, cotangent }) {
    const Fa = sa[sa.length - 1], Fb = sb[sb.length - 1], F = Fa + Fb;
    const R = (rows * size(sa)) / Fa;
    const ca = new Float64Array(R * Fa), cb = new Float64Array(R * Fb);
    for (let r = 0; r < R; r++) {
      ca.set(cotangent.subarray(r * F, r * F + Fa), r * Fa);
      cb.set(cotangent.subarray(r * F + Fa, (r + 1) * F), r * Fb);
    }
    return [ca, cb];
  },
};
