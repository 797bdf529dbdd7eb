/**
 * Attention in f64. Per sample and head (A = softmax rows, S = scale·q′k′ᵀ with the causal mask,
 * q′ = R q and k′ = R k rotated per position):
 *   y   = A v
 *   ẏ   = Ȧ v + A v̇,   Ȧ = A ⊙ (Ṡ − rowsum(A ⊙ Ṡ)),   Ṡ = scale·(q̇′k′ᵀ + q′k̇′ᵀ)   (softmax JVP)
 * Reverse mode: c̄_A = c̄ vᵀ, c̄_S = A ⊙ (c̄_A − rowsum(A ⊙ c̄_A)), c̄_q = Rᵀ scale c̄_S k′,
 *   c̄_k = Rᵀ scale c̄_Sᵀ q′, c̄_v = Aᵀ c̄ (summed over the heads sharing a key/value group).
 */
import type { ReferenceOp } from '../op-def.ts';
import type { AttentionOp } from './definition.ts';
import { rotate } from './rotary.ts';

type Arr = Float64Array;

/** One sample's rotated copy of a [T, heads·dh] value. */
function rotated(op: AttentionOp, x: Arr, xo: number, T: number, heads: number): Arr {
  const dh = op.headDim;
  const out = new Float64Array(T * heads * dh);
  for (let t = 0; t < T; t++) for (let h = 0; h < heads; h++) {
    const o = (t * heads + h) * dh;
    rotate(op.rotary, t, 1, x, xo + o, out, o, dh);
  }
  return out;
}

/**
 * Softmax row t of one head into A[ao + u] (u ≤ last, the causal mask's end, which it returns):
 * A_u = softmax_u(scale·q′_t·k′_u) with q′_t at qr[qo + c] and k′_u at kr[ko + u·ks + c].
 */
export function softmaxRow(op: AttentionOp, t: number, T: number, qr: Arr, qo: number, kr: Arr, ko: number, ks: number, A: Arr, ao: number): number {
  const dh = op.headDim;
  const last = op.causal ? t : T - 1;
  let mx = -Infinity;
  for (let u = 0; u <= last; u++) {
    let acc = 0;
    for (let c = 0; c < dh; c++) acc += qr[qo + c] * kr[ko + u * ks + c];
    A[ao + u] = op.scale * acc;
    mx = Math.max(mx, A[ao + u]);
  }
  let sum = 0;
  for (let u = 0; u <= last; u++) sum += (A[ao + u] = Math.exp(A[ao + u] - mx));
  for (let u = 0; u <= last; u++) A[ao + u] /= sum;
  return last;
}

/** y_t += Σ_{u ≤ last} A_u v_u into y[yo + c], with v_u at v[vo + u·vs + c]. */
export function valueRow(op: AttentionOp, last: number, A: Arr, ao: number, v: Arr, vo: number, vs: number, y: Arr, yo: number): void {
  const dh = op.headDim;
  for (let u = 0; u <= last; u++) {
    const a = A[ao + u];
    for (let c = 0; c < dh; c++) y[yo + c] += a * v[vo + u * vs + c];
  }
}

/**
 * ẏ_t += Σ_{u ≤ last} Ȧ_u v_u + A_u v̇_u into dy[yo + c], Ȧ = A ⊙ (Ṡ − Σ A Ṡ), Ṡ_u = scale·(q̇′_t·k′_u +
 * q′_t·k̇′_u) (the softmax JVP; a null tangent is zero); layouts as softmaxRow and valueRow, dS scratch.
 */
export function tangentRow(
  op: AttentionOp, last: number, A: Arr, ao: number,
  qr: Arr, dqr: Arr | null, qo: number, kr: Arr, dkr: Arr | null, ko: number, ks: number,
  v: Arr, dv: Arr | null, vo: number, vs: number, dS: Arr, dy: Arr, yo: number,
): void {
  const dh = op.headDim;
  let mean = 0;
  for (let u = 0; u <= last; u++) {
    let acc = 0;
    for (let c = 0; c < dh; c++) {
      const qc = qo + c, kc = ko + u * ks + c;
      if (dqr) acc += dqr[qc] * kr[kc];
      if (dkr) acc += qr[qc] * dkr[kc];
    }
    dS[u] = op.scale * acc;
    mean += A[ao + u] * dS[u];
  }
  for (let u = 0; u <= last; u++) {
    const a = A[ao + u], da = a * (dS[u] - mean);
    for (let c = 0; c < dh; c++) {
      const e = vo + u * vs + c;
      dy[yo + c] += da * v[e] + (dv ? a * dv[e] : 0);
    }
  }
}

/** Softmax rows A[t, s] (0 where masked) of head h of one sample, from rotated q′, k′. */
function probabilities(op: AttentionOp, qr: Arr, kr: Arr, T: number, h: number): Arr {
  const { heads: H, kvHeads: Hkv, headDim: dh } = op;
  const g = Math.floor((h * Hkv) / H);
  const A = new Float64Array(T * T);
  for (let t = 0; t < T; t++) softmaxRow(op, t, T, qr, (t * H + h) * dh, kr, g * dh, Hkv * dh, A, t * T);
  return A;
}

export const attentionReference: ReferenceOp<'attention'> = {
  forward(op, { n, inShapes: [[T]], xs: [q, k, v], dxs: [dq, dk, dv], tangent }) {
    const { heads: H, kvHeads: Hkv, headDim: dh } = op;
    const qw = H * dh, kw = Hkv * dh;
    const y = new Float64Array(n * T * qw);
    const moving = dq || dk || dv;
    const dy = moving || tangent ? new Float64Array(n * T * qw) : null;
    for (let smp = 0; smp < n; smp++) {
      const qr = rotated(op, q, smp * T * qw, T, H);
      const kr = rotated(op, k, smp * T * kw, T, Hkv);
      const dqr = dq ? rotated(op, dq, smp * T * qw, T, H) : null;
      const dkr = dk ? rotated(op, dk, smp * T * kw, T, Hkv) : null;
      const vo = smp * T * kw;
      for (let h = 0; h < H; h++) {
        const g = Math.floor((h * Hkv) / H);
        const A = probabilities(op, qr, kr, T, h);
        const dS = new Float64Array(T);
        for (let t = 0; t < T; t++) {
          const last = op.causal ? t : T - 1;
          const yo = smp * T * qw + t * qw + h * dh;
          valueRow(op, last, A, t * T, v, vo + g * dh, kw, y, yo);
          if (moving) tangentRow(op, last, A, t * T, qr, dqr, (t * H + h) * dh, kr, dkr, g * dh, kw, v, dv, vo + g * dh, kw, dS, dy!, yo);
        }
      }
    }
    return { y, dy };
  },

  vjp(op, { inShapes: [[T]], xs: [q, k, v], rows, cotangent }) {
    const { heads: H, kvHeads: Hkv, headDim: dh } = op;
    const qw = H * dh, kw = Hkv * dh;
    const qr = rotated(op, q, 0, T, H);
    const kr = rotated(op, k, 0, T, Hkv);
    const cq = new Float64Array(rows * T * qw), ck = new Float64Array(rows * T * kw), cv = new Float64Array(rows * T * kw);
    const cqr = new Float64Array(T * qw), ckr = new Float64Array(T * kw);
    const cA = new Float64Array(T);
    const probs = Array.from({ length: H }, (_, h) => probabilities(op, qr, kr, T, h));
    for (let r = 0; r < rows; r++) {
      cqr.fill(0);
      ckr.fill(0);
      const co = r * T * qw;
      for (let h = 0; h < H; h++) {
        const g = Math.floor((h * Hkv) / H);
        const A = probs[h];
        for (let t = 0; t < T; t++) {
          const last = op.causal ? t : T - 1;
          const yo = co + t * qw + h * dh;
          let mean = 0;
          for (let s = 0; s <= last; s++) {
            let acc = 0;
            for (let c = 0; c < dh; c++) acc += cotangent[yo + c] * v[s * kw + g * dh + c];
            cA[s] = acc;
            mean += A[t * T + s] * acc;
            for (let c = 0; c < dh; c++) cv[r * T * kw + s * kw + g * dh + c] += A[t * T + s] * cotangent[yo + c];
          }
          for (let s = 0; s <= last; s++) {
            const cs = op.scale * A[t * T + s] * (cA[s] - mean);
            for (let c = 0; c < dh; c++) {
              const qc = (t * H + h) * dh + c, kc = (s * Hkv + g) * dh + c;
              cqr[qc] += cs * kr[kc];
              ckr[kc] += cs * qr[qc];
            }
          }
        }
      }
      // back through the rotations (Rᵀ = R(−θ))
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) rotate(op.rotary, t, -1, cqr, (t * H + h) * dh, cq, r * T * qw + (t * H + h) * dh, dh);
        for (let g = 0; g < Hkv; g++) rotate(op.rotary, t, -1, ckr, (t * Hkv + g) * dh, ck, r * T * kw + (t * Hkv + g) * dh, dh);
      }
    }
    return [cq, ck, cv];
  },
};
