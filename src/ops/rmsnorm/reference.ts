/** RMSNorm in f64: value, tangent and reverse mode. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

function invRms(x: Float64Array, off: number, f: number, eps: number): number {
  let s = 0;
  for (let i = 0; i < f; i++) s += x[off + i] * x[off + i];
  return 1 / Math.sqrt(s / f + eps);
}

export const rmsnormReference: ReferenceOp<'rmsnorm'> = {
  /** n = x·inv, inv = 1/√(mean(x²)+ε); ṅ = (ẋ − n·mean(n⊙ẋ))·inv; y = γ⊙n, ẏ = γ⊙ṅ + γ̇⊙n */
  forward(op, { n, inShapes: [inShape], params, xs: [x], dxs: [dx], tangent }) {
    const f = inShape[inShape.length - 1];
    const rows = (n * sizeOf(inShape)) / f;
    const g = param(params, op.weight);
    const dg = patchOf(tangent, op.weight);
    const y = new Float64Array(x.length);
    const dy = dx || dg ? new Float64Array(x.length) : tangent ? new Float64Array(x.length) : null;
    for (let r = 0; r < rows; r++) {
      const off = r * f;
      const inv = invRms(x, off, f, op.eps);
      let mndx = 0;
      if (dx) {
        for (let i = 0; i < f; i++) mndx += x[off + i] * inv * dx[off + i];
        mndx /= f;
      }
      for (let i = 0; i < f; i++) {
        const ni = x[off + i] * inv;
        y[off + i] = (g ? g[i] : 1) * ni;
        if (dy) dy[off + i] = (g ? g[i] : 1) * (dx ? (dx[off + i] - ni * mndx) * inv : 0) + (dg ? dg[i] * ni : 0);
      }
    }
    return { y, dy };
  },
  /** per row: dx = (γ⊙c − n·mean(n ⊙ γ⊙c))·inv */
  vjp(op, { params, inShapes: [inShape], xs: [x], rows, cotangent: M }) {
    const inF = sizeOf(inShape);
    const f = inShape[inShape.length - 1];
    const g = param(params, op.weight);
    const next = new Float64Array(rows * inF);
    for (let off = 0; off < inF; off += f) {
      const inv = invRms(x, off, f, op.eps);
      for (let r = 0; r < rows; r++) {
        const base = r * inF + off;
        let m = 0;
        for (let k = 0; k < f; k++) m += x[off + k] * inv * M[base + k] * (g ? g[k] : 1);
        m /= f;
        for (let k = 0; k < f; k++) next[base + k] = (M[base + k] * (g ? g[k] : 1) - x[off + k] * inv * m) * inv;
      }
    }
    return [next];
  },
};
