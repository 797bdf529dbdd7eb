/** LayerNorm in f64: value, tangent and reverse mode. */
import type { ReferenceOp } from '../op-def.ts';
import type { ParamArray } from '../../engine/types.ts';
import { param, patchOf } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = ParamArray | null;

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
  /** per row of the last axis: dx = (γ⊙c − mean(γ⊙c) − n·mean(n ⊙ γ⊙c))/√(σ²+ε) */
  vjp(op, { params, inShapes: [inShape], xs: [x], rows, cotangent: M }) {
    const inF = sizeOf(inShape);
    const f = inShape[inShape.length - 1];
    const g = param(params, op.weight);
    const next = new Float64Array(rows * inF);
    const gn = new Float64Array(f);
    for (let off = 0; off < inF; off += f) {
      const { mu, inv } = rowStats(x, off, f, op.eps);
      for (let r = 0; r < rows; r++) {
        const base = r * inF + off;
        let mg = 0, mng = 0;
        for (let k = 0; k < f; k++) {
          gn[k] = M[base + k] * (g ? g[k] : 1);
          mg += gn[k];
          mng += (x[off + k] - mu) * inv * gn[k];
        }
        mg /= f;
        mng /= f;
        for (let k = 0; k < f; k++) next[base + k] = (gn[k] - mg - (x[off + k] - mu) * inv * mng) * inv;
      }
    }
    return [next];
  },
};
