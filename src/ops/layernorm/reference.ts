/** LayerNorm in f64: value, tangent and reverse mode (vectors only). */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';
import { UnsupportedBackwardError } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/** LayerNorm over the last axis (width f): y = γ ⊙ (x−μ)/√(σ²+ε) + β, σ² the biased variance. */
export function layernormForward(x: Arr, gamma: MaybeArr, beta: MaybeArr, eps: number, rows: number, f: number): Arr {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const off = r * f;
    const { mu, inv } = rowStats(x, off, f, eps);
    for (let i = 0; i < f; i++) y[off + i] = (gamma ? gamma[i] : 1) * (x[off + i] - mu) * inv + (beta ? beta[i] : 0);
  }
  return y;
}

/** dn = (dx − mean(dx) − n·mean(n ⊙ dx))/√(σ²+ε);  dy = γ ⊙ dn + dγ ⊙ n + dβ. */
export function layernormTangent(
  x: Arr, dx: MaybeArr, gamma: MaybeArr, dGamma: MaybeArr, dBeta: MaybeArr, eps: number, rows: number, f: number,
): Arr {
  const dy = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const off = r * f;
    const { mu, inv } = rowStats(x, off, f, eps);
    let mdx = 0;
    let mndx = 0;
    if (dx) {
      for (let i = 0; i < f; i++) {
        mdx += dx[off + i];
        mndx += (x[off + i] - mu) * inv * dx[off + i];
      }
      mdx /= f;
      mndx /= f;
    }
    for (let i = 0; i < f; i++) {
      const ni = (x[off + i] - mu) * inv;
      const dn = dx ? (dx[off + i] - mdx - ni * mndx) * inv : 0;
      dy[off + i] = (gamma ? gamma[i] : 1) * dn + (dGamma ? dGamma[i] * ni : 0) + (dBeta ? dBeta[i] : 0);
    }
  }
  return dy;
}

function rowStats(x: Arr, off: number, f: number, eps: number): { mu: number; inv: number } {
  let mu = 0;
  for (let i = 0; i < f; i++) mu += x[off + i];
  mu /= f;
  let v = 0;
  for (let i = 0; i < f; i++) v += (x[off + i] - mu) ** 2;
  return { mu, inv: 1 / Math.sqrt(v / f + eps) };
}

const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const layernormReference: ReferenceOp<'layernorm'> = {
  forward(op, { n, inShapes: [inShape], params, xs: [x], dxs: [dx], tangent }) {
    const f = inShape[inShape.length - 1];
    const rows = (n * sizeOf(inShape)) / f;
    const g = param(params, op.weight);
    const y = layernormForward(x, g, param(params, op.bias), op.eps, rows, f);
    const dy = dx || tangent
      ? layernormTangent(x, dx, g, patchOf(tangent, op.weight), patchOf(tangent, op.bias), op.eps, rows, f)
      : null;
    return { y, dy };
  },
  vjp(op, { params, inShapes: [inShape], xs: [x], rows, cotangent: M }) {
    if (inShape.length !== 1) throw new UnsupportedBackwardError('layernorm over images');
    const inF = inShape[0];
    const g = param(params, op.weight);
    let mu = 0;
    for (const v of x) mu += v;
    mu /= inF;
    let va = 0;
    for (const v of x) va += (v - mu) ** 2;
    const inv = 1 / Math.sqrt(va / inF + op.eps);
    const next = new Float64Array(rows * inF);
    for (let r = 0; r < rows; r++) {
      let mg = 0, mng = 0;
      const gn = new Float64Array(inF);
      for (let f = 0; f < inF; f++) {
        gn[f] = M[r * inF + f] * (g ? g[f] : 1);
        mg += gn[f];
        mng += (x[f] - mu) * inv * gn[f];
      }
      mg /= inF;
      mng /= inF;
      for (let f = 0; f < inF; f++) next[r * inF + f] = (gn[f] - mg - (x[f] - mu) * inv * mng) * inv;
    }
    return [next];
  },
};
