/**
 * A small whole-network transformer for the gauge detectors' tests, in two independent forms:
 *  - `graph`: the ModelGraph per the op contract (embedding, positional, norms, linear projections
 *    in their stored layouts, fused QKV via slice, attention with GQA/rotary, residual adds, take),
 *    which the detectors read;
 *  - `forward`: the plain f64 layers of test/helpers/transformer-forward.ts (written from HF GPT-2 /
 *    LLaMA / ViT and TransformerLens) composed per the spec, reading the same named tensors and never
 *    touching the op registry — the check of invariance.
 */
import type { GraphNode, ModelGraph, Op } from '../../src/model/graph.ts';
import type { ParamSet } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import * as R from '../helpers/transformer-forward.ts';
import type { Seq } from '../helpers/transformer-forward.ts';

export interface Spec {
  vocab: number;
  T: number;
  D: number;
  heads: number;
  kvHeads: number;
  dh: number;
  layers: number;
  mlp: number;
  norm: 'layernorm' | 'rmsnorm';
  /** one fused QKV map read through slices (GPT-2 c_attn) or three maps */
  fused: boolean;
  layout: 'out-in' | 'in-out';
  bias: boolean;
  rotary: null | { base: number; convention: 'half-split' | 'interleaved'; dims: number };
  gated: boolean;
  /** learned position table */
  positions: boolean;
  /** unembedding reads the token embedding */
  tied: boolean;
  unembedBias: boolean;
  /** logits of the last position only */
  takeLast: boolean;
  /** ViT input instead of tokens: a patch conv, a CLS token, positions [1, T, D], the CLS read out */
  images?: { channels: number; size: number; patch: number };
  /** DINOv2 layer scale γ ⊙ after each sub-block */
  layerScale?: boolean;
  /** TransformerLens: W_Q/W_K/W_V stored [heads, D, dh], biases [heads, dh] (q/k/v maps only) */
  headsLayout?: boolean;
}

export const GPT2_LIKE: Spec = {
  vocab: 7, T: 5, D: 8, heads: 2, kvHeads: 2, dh: 4, layers: 2, mlp: 12, norm: 'layernorm', fused: true, layout: 'in-out', bias: true,
  rotary: null, gated: false, positions: true, tied: false, unembedBias: true, takeLast: true,
};
export const LLAMA_LIKE: Spec = {
  vocab: 7, T: 5, D: 8, heads: 4, kvHeads: 2, dh: 4, layers: 2, mlp: 10, norm: 'rmsnorm', fused: false, layout: 'out-in', bias: true,
  rotary: { base: 10000, convention: 'half-split', dims: 4 }, gated: true, positions: false, tied: false, unembedBias: false, takeLast: true,
};

/** TransformerLens: per-head Q/K/V [heads, D, dh], the rest [in, out] */
export const TL_LIKE: Spec = { ...GPT2_LIKE, fused: false, headsLayout: true };

export const VIT_LIKE: Spec = {
  ...GPT2_LIKE, fused: false, layout: 'out-in', T: 5, vocab: 3, images: { channels: 2, size: 4, patch: 2 }, layerScale: true, tied: false, unembedBias: true, takeLast: false, positions: true,
};

export interface Built { graph: ModelGraph; params: ParamSet }

const cast = (op: object) => op as unknown as Op;

export function build(spec: Spec, seed = 3): Built {
  const rng = createRng(seed);
  const params: ParamSet = new Map();
  const { D, dh, heads, kvHeads } = spec;
  const tensor = (name: string, shape: number[], kind: 'w' | 'gamma' | 'small') => {
    const n = shape.reduce((a, b) => a * b, 1);
    const fan = shape.length > 1 ? shape[shape.length - 1] : 1;
    params.set(name, { shape, data: Float64Array.from({ length: n }, () => (kind === 'gamma' ? 1 + 0.3 * rng.normal() : kind === 'small' ? 0.3 * rng.normal() : rng.normal() / Math.sqrt(fan))) });
    return name;
  };
  const nodes: GraphNode[] = [];
  const push = (op: Op, inputs: number[]) => {
    const id = nodes.length + 1;
    nodes.push({ id, op, inputs });
    return id;
  };
  const linear = (layer: string, inp: number, out: number, x: number, bias = spec.bias, perHead = false) => {
    if (perHead) {
      const h = out / dh;
      const weight = tensor(`${layer}.weight`, [h, inp, dh], 'w');
      const b = bias ? tensor(`${layer}.bias`, [h, dh], 'small') : null;
      return push(cast({ kind: 'linear', layer, weight, bias: b, inFeatures: inp, outFeatures: out, layout: 'heads', positionwise: true, heads: h }), [x]);
    }
    const weight = tensor(`${layer}.weight`, spec.layout === 'out-in' ? [out, inp] : [inp, out], 'w');
    const b = bias ? tensor(`${layer}.bias`, [out], 'small') : null;
    return push(cast({ kind: 'linear', layer, weight, bias: b, inFeatures: inp, outFeatures: out, layout: spec.layout, positionwise: true }), [x]);
  };
  const norm = (layer: string, x: number) => {
    const weight = tensor(`${layer}.weight`, [D], 'gamma');
    return spec.norm === 'layernorm'
      ? push(cast({ kind: 'layernorm', layer, weight, bias: tensor(`${layer}.bias`, [D], 'small'), eps: 1e-5 }), [x])
      : push(cast({ kind: 'rmsnorm', layer, weight, eps: 1e-6 }), [x]);
  };
  const img = spec.images;
  let x: number;
  let wte = '';
  if (img) {
    const p = img.patch;
    const conv = push(cast({
      kind: 'conv2d', layer: 'patch', weight: tensor('patch.weight', [D, img.channels, p, p], 'w'), bias: tensor('patch.bias', [D], 'small'),
      inChannels: img.channels, outChannels: D, kernel: [p, p], stride: [p, p], padding: [0, 0],
    }), [0]);
    const seq = push(cast({ kind: 'patchify' }), [conv]);
    x = push(cast({ kind: 'cls', layer: 'cls', weight: tensor('cls', [1, 1, D], 'small') }), [seq]);
    x = push(cast({ kind: 'positional', layer: 'wpe', weight: tensor('wpe.weight', [1, spec.T, D], 'small'), dim: D }), [x]);
  } else {
    wte = tensor('wte.weight', [spec.vocab, D], 'w');
    x = push(cast({ kind: 'embedding', layer: 'wte', weight: wte, vocab: spec.vocab, dim: D }), [0]);
    if (spec.positions) x = push(cast({ kind: 'positional', layer: 'wpe', weight: tensor('wpe.weight', [spec.T, D], 'small'), dim: D }), [x]);
  }
  const scaled = (layer: string, v: number) => (spec.layerScale ? push(cast({ kind: 'scale', layer, weight: tensor(`${layer}.lambda`, [D], 'gamma') }), [v]) : v);
  for (let l = 0; l < spec.layers; l++) {
    const p = `h.${l}`;
    const n1 = norm(`${p}.ln_1`, x);
    let q: number, k: number, v: number;
    if (spec.fused) {
      const qkv = linear(`${p}.attn.c_attn`, D, (heads + 2 * kvHeads) * dh, n1);
      q = push(cast({ kind: 'slice', start: 0, length: heads * dh }), [qkv]);
      k = push(cast({ kind: 'slice', start: heads * dh, length: kvHeads * dh }), [qkv]);
      v = push(cast({ kind: 'slice', start: (heads + kvHeads) * dh, length: kvHeads * dh }), [qkv]);
    } else {
      const tl = spec.headsLayout ?? false;
      q = linear(`${p}.attn.q_proj`, D, heads * dh, n1, spec.bias, tl);
      k = linear(`${p}.attn.k_proj`, D, kvHeads * dh, n1, spec.bias, tl);
      v = linear(`${p}.attn.v_proj`, D, kvHeads * dh, n1, spec.bias, tl);
    }
    const a = push(cast({ kind: 'attention', layer: `${p}.attn`, heads, kvHeads, headDim: dh, causal: !spec.images, scale: 1 / Math.sqrt(dh), rotary: spec.rotary }), [q, k, v]);
    const o = scaled(`${p}.ls1`, linear(`${p}.attn.c_proj`, heads * dh, D, a));
    x = push(cast({ kind: 'add' }), [x, o]);
    const n2 = norm(`${p}.ln_2`, x);
    let hdn: number;
    if (spec.gated) {
      const g = linear(`${p}.mlp.gate`, D, spec.mlp, n2, false);
      const act = push(cast({ kind: 'activation', fn: 'silu' }), [g]);
      const up = linear(`${p}.mlp.up`, D, spec.mlp, n2, false);
      hdn = push(cast({ kind: 'mul' }), [act, up]);
    } else {
      const up = linear(`${p}.mlp.c_fc`, D, spec.mlp, n2);
      hdn = push(cast({ kind: 'activation', fn: 'gelu_tanh' }), [up]);
    }
    const down = scaled(`${p}.ls2`, linear(`${p}.mlp.c_proj`, spec.mlp, D, hdn));
    x = push(cast({ kind: 'add' }), [x, down]);
  }
  if (img) {
    // the CLS token, its final norm, a classifier over it (not positionwise)
    x = push(cast({ kind: 'take', index: 0 }), [x]);
    x = norm('ln_f', x);
    const head = push(cast({ kind: 'linear', layer: 'lm_head', weight: tensor('lm_head.weight', [spec.vocab, D], 'w'), bias: tensor('lm_head.bias', [spec.vocab], 'small'), inFeatures: D, outFeatures: spec.vocab, layout: 'out-in', positionwise: false }), [x]);
    return { graph: { inputShape: [img.channels, img.size, img.size], inputType: 'float', nodes, output: head, outputWidth: spec.vocab, activation: 'gelu_tanh', activationSource: 'arch', warnings: [] }, params };
  }
  x = norm('ln_f', x);
  const unembed = spec.tied
    ? push(cast({ kind: 'linear', layer: 'lm_head', weight: wte, bias: null, inFeatures: D, outFeatures: spec.vocab, layout: 'out-in', positionwise: true }), [x])
    : linear('lm_head', D, spec.vocab, x, spec.unembedBias);
  const output = spec.takeLast ? push(cast({ kind: 'take', index: -1 }), [unembed]) : unembed;
  const graph: ModelGraph = {
    inputShape: [spec.T], inputType: 'token', nodes, output, outputWidth: spec.takeLast ? spec.vocab : spec.T * spec.vocab,
    activation: spec.gated ? 'silu' : 'gelu_tanh', activationSource: 'arch', warnings: [],
  };
  return { graph, params };
}

/* ---------------- the plain forward pass ---------------- */

type Mat = number[][]; // [T][features]

/**
 * logits per position (or of the last / CLS position); `input` is token ids, or a flat [C, S, S]
 * image. Composed of the plain f64 layers of test/helpers/transformer-forward.ts (the reference the
 * assembled family graphs are checked against), reading this spec's tensor names.
 */
export function forward(spec: Spec, params: ParamSet, input: number[]): Mat {
  // f64 copies (exact) of the parameters as held, for the plain layers' Float64Array arguments
  const held = new Map<string, Float64Array>();
  const P = (n: string): Float64Array => held.get(n) ?? held.set(n, Float64Array.from(params.get(n)!.data)).get(n)!;
  const { D, dh, heads, kvHeads } = spec;
  const img = spec.images;
  const lin = (layer: string, x: Seq, inp: number, out: number, bias = spec.bias, layout: Spec['layout'] | 'heads' = spec.layout, weight = `${layer}.weight`): Seq =>
    x.map((row) => R.lin(row, P(weight), bias ? P(`${layer}.bias`) : null, inp, out, layout, out / dh));
  const normF = (layer: string, x: Seq): Seq => x.map((row) => (spec.norm === 'layernorm'
    ? R.layerNorm(row, P(`${layer}.weight`), P(`${layer}.bias`), 1e-5)
    : R.rmsNorm(row, P(`${layer}.weight`), 1e-6)));
  const scaled = (layer: string, m: Seq): Seq => (spec.layerScale ? m.map((r) => r.map((c, i) => c * P(`${layer}.lambda`)[i])) : m);
  const act = R.ACT[spec.gated ? 'silu' : 'gelu_tanh'];
  let x: Seq;
  if (img) {
    const embedded = [P('cls').slice(), ...R.patchEmbed(input, P('patch.weight'), P('patch.bias'), { D, C: img.channels, S: img.size, P: img.patch })];
    x = embedded.map((r, t) => r.map((c, i) => c + P('wpe.weight')[t * D + i]));
  } else {
    x = input.map((tok, t) => Float64Array.from({ length: D }, (_, i) => P('wte.weight')[tok * D + i] + (spec.positions ? P('wpe.weight')[t * D + i] : 0)));
  }
  for (let l = 0; l < spec.layers; l++) {
    const p = `h.${l}`;
    const n1 = normF(`${p}.ln_1`, x);
    let q: Seq, k: Seq, v: Seq;
    if (spec.fused) {
      const qkv = lin(`${p}.attn.c_attn`, n1, D, (heads + 2 * kvHeads) * dh);
      q = qkv.map((r) => r.slice(0, heads * dh));
      k = qkv.map((r) => r.slice(heads * dh, (heads + kvHeads) * dh));
      v = qkv.map((r) => r.slice((heads + kvHeads) * dh));
    } else {
      const layout = spec.headsLayout ? 'heads' : spec.layout;
      q = lin(`${p}.attn.q_proj`, n1, D, heads * dh, spec.bias, layout);
      k = lin(`${p}.attn.k_proj`, n1, D, kvHeads * dh, spec.bias, layout);
      v = lin(`${p}.attn.v_proj`, n1, D, kvHeads * dh, spec.bias, layout);
    }
    // ViT attends both ways
    const att = R.attention(q, k, v, heads, kvHeads, !img, spec.rotary);
    x = R.addSeq(x, scaled(`${p}.ls1`, lin(`${p}.attn.c_proj`, att, heads * dh, D)));
    const n2 = normF(`${p}.ln_2`, x);
    let hdn: Seq;
    if (spec.gated) {
      const up = lin(`${p}.mlp.up`, n2, D, spec.mlp, false);
      hdn = lin(`${p}.mlp.gate`, n2, D, spec.mlp, false).map((r, t) => r.map((c, i) => act(c) * up[t][i]));
    } else {
      hdn = lin(`${p}.mlp.c_fc`, n2, D, spec.mlp).map((r) => r.map(act));
    }
    x = R.addSeq(x, scaled(`${p}.ls2`, lin(`${p}.mlp.c_proj`, hdn, spec.mlp, D)));
  }
  const rows = (m: Seq): Mat => m.map((r) => Array.from(r));
  if (img) return rows(lin('lm_head', normF('ln_f', [x[0]]), D, spec.vocab, true, 'out-in'));
  x = normF('ln_f', x);
  const logits = spec.tied ? lin('lm_head', x, D, spec.vocab, false, 'out-in', 'wte.weight') : lin('lm_head', x, D, spec.vocab, spec.unembedBias);
  return rows(spec.takeLast ? [logits[logits.length - 1]] : logits);
}

/** log-softmax of each row (what a classification head sees: logits up to a shift) */
export const logSoftmax = (m: Mat): Mat => m.map((r) => {
  const mx = Math.max(...r);
  const lz = mx + Math.log(r.reduce((a, c) => a + Math.exp(c - mx), 0));
  return r.map((c) => c - lz);
});

/** params + the patch scaled by s */
export function moved(params: ParamSet, patch: Map<string, Float64Array>, s = 1): ParamSet {
  const out: ParamSet = new Map(params);
  for (const [n, d] of patch) {
    const t = params.get(n)!;
    out.set(n, { shape: t.shape, data: t.data.map((x, i) => x + s * d[i]) });
  }
  return out;
}
