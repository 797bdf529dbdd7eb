/**
 * Rotary positions in f64 (RoFormer; the two layouts of public checkpoints): position p rotates
 * pair i of a head's first `dims` features by θ = p·base^(−2i/dims).
 *   half-split  pairs (i, i + dims/2)  — HF LLaMA/NeoX `rotate_half`: x·cos + rotate_half(x)·sin
 *   interleaved pairs (2i, 2i + 1)     — Meta llama (complex multiply), llama2.c
 * Features past `dims` pass unrotated (partial rotary, e.g. NeoX/Phi rotary_pct).
 */
import type { Rotary } from './definition.ts';

/** The partner of feature c and its index i in the pair list, or null past the rotated width. */
function pairOf(r: Rotary, c: number): { partner: number; i: number; first: boolean } | null {
  if (c >= r.dims) return null;
  if (r.convention === 'half-split') {
    const half = r.dims / 2;
    return c < half ? { partner: c + half, i: c, first: true } : { partner: c - half, i: c - half, first: false };
  }
  return c % 2 === 0 ? { partner: c + 1, i: c / 2, first: true } : { partner: c - 1, i: (c - 1) / 2, first: false };
}

/**
 * out[o + c] = R(p)·x[xo + c] over one head of width dh (sign −1: Rᵀ, the inverse rotation, for
 * reverse mode). `out` and `x` must not overlap.
 */
export function rotate(r: Rotary | null, p: number, sign: 1 | -1, x: Float64Array, xo: number, out: Float64Array, o: number, dh: number): void {
  for (let c = 0; c < dh; c++) {
    const pr = r ? pairOf(r, c) : null;
    if (!pr) {
      out[o + c] = x[xo + c];
      continue;
    }
    const theta = p * Math.pow(r!.base, (-2 * pr.i) / r!.dims);
    const cs = Math.cos(theta), sn = sign * Math.sin(theta);
    // first of a pair: a·cos − b·sin; second: b·cos + a·sin
    out[o + c] = x[xo + c] * cs + (pr.first ? -sn : sn) * x[xo + pr.partner];
  }
}
