/**
 * Multi-head scaled dot-product attention, without tensors (the Q/K/V/O projections are linears):
 * inputs q [T, H·dh], k [T, Hkv·dh], v [T, Hkv·dh] → [T, H·dh]; per head h,
 *   softmax(scale·q_h·k_gᵀ + mask)·v_g,  g = ⌊h·Hkv/H⌋ (grouped-query attention: HF repeat_kv),
 * the mask −∞ above the diagonal when causal. Rotary positions, when given, rotate q and k inside
 * the op (rotary.ts): on the first `dims` of each head, half-split pairs (i, i + dims/2) as HF
 * LLaMA's rotate_half, or interleaved pairs (2i, 2i + 1) as Meta's llama / llama2.c.
 */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface Rotary {
  /** θ_i = position · base^(−2i/dims) */
  base: number;
  convention: 'half-split' | 'interleaved';
  /** rotated width of each head (≤ headDim, even): partial rotary rotates the first `dims` */
  dims: number;
}

export interface AttentionOp {
  kind: 'attention';
  layer: string;
  heads: number;
  kvHeads: number;
  headDim: number;
  causal: boolean;
  scale: number;
  rotary: Rotary | null;
}

/** Why the configuration cannot be an attention (null when it can). */
export function attentionError(op: Pick<AttentionOp, 'heads' | 'kvHeads' | 'headDim' | 'scale' | 'rotary'>): string | null {
  const pos = (x: number) => Number.isInteger(x) && x > 0;
  if (!pos(op.heads) || !pos(op.kvHeads) || !pos(op.headDim)) return `needs positive integer heads, kvHeads and headDim (gets ${op.heads}, ${op.kvHeads}, ${op.headDim})`;
  if (op.heads % op.kvHeads !== 0) return `${op.heads} heads do not share ${op.kvHeads} key/value heads evenly`;
  if (!Number.isFinite(op.scale)) return `scale ${op.scale} is not a number`;
  const r = op.rotary;
  if (r) {
    if (!pos(r.dims) || r.dims % 2 !== 0 || r.dims > op.headDim) return `rotary dims ${r.dims} must be even, positive and at most the head width ${op.headDim}`;
    if (!(r.base > 0)) return `rotary base ${r.base} must be positive`;
    if (r.convention !== 'half-split' && r.convention !== 'interleaved') return `rotary convention "${String(r.convention)}" is neither half-split nor interleaved`;
  }
  return null;
}

export const attentionDefinition: OpDefinition<'attention'> = {
  kind: 'attention',
  arity: 3,
  unitwise: false,
  // the queries at the output's positions, every key and value
  positionsRead: (op, out, inputs, output) => [samePositions(op, out, [inputs[0]], output)[0], null, null],
  outputShape: (op, [q]) => [q[0], op.heads * op.headDim],
  inputError(op, [q, k, v]) {
    const cfg = attentionError(op);
    if (cfg) return cfg;
    const qw = op.heads * op.headDim, kw = op.kvHeads * op.headDim;
    if (q.length !== 2 || q[1] !== qw) return `reads queries [T, ${qw}], gets [${q}]`;
    if (k.length !== 2 || k[1] !== kw || k[0] !== q[0]) return `reads keys [${q[0]}, ${kw}], gets [${k}]`;
    if (v.length !== 2 || v[1] !== kw || v[0] !== q[0]) return `reads values [${q[0]}, ${kw}], gets [${v}]`;
    return null;
  },
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch(layer, ctx) {
    const heads = Number(layer.heads), headDim = Number(layer.headDim);
    const kvHeads = layer.kvHeads === undefined ? heads : Number(layer.kvHeads);
    const scale = layer.scale === undefined ? 1 / Math.sqrt(headDim) : Number(layer.scale);
    const rotary = layer.rotary ? { base: Number(layer.rotary.base ?? 10000), convention: layer.rotary.convention, dims: Number(layer.rotary.dims ?? headDim) } : null;
    const op: AttentionOp = { kind: 'attention', layer: layer.prefix ?? '', heads, kvHeads, headDim, causal: layer.causal ?? true, scale, rotary };
    const err = attentionError(op);
    if (err) ctx.bad(`layer ${ctx.index}: attention ${err}`);
    return op;
  },
  toArch: (op) => ({ op: 'attention', prefix: op.layer, heads: op.heads, kvHeads: op.kvHeads, headDim: op.headDim, causal: op.causal, scale: op.scale, rotary: op.rotary }),
  label: (op) => ({
    kind: 'Attention',
    detail: `${op.heads} heads${op.kvHeads !== op.heads ? ` (${op.kvHeads} kv)` : ''} × ${op.headDim}${op.causal ? ', causal' : ''}${op.rotary ? `, rotary ${op.rotary.convention} ${op.rotary.dims}` : ''}`,
    name: op.layer,
  }),
};
