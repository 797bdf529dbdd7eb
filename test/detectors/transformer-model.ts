/**
 * A small whole-network transformer for the gauge detectors' tests, in two independent forms:
 *  - `graph`: the ModelGraph per the op contract (embedding, positional, norms, linear projections
 *    in their stored layouts, fused QKV via slice, attention with GQA/rotary, residual adds, take),
 *    which the detectors read;
 *  - `forward`: a plain f64 forward pass written here from the formulas (HF GPT-2 / LLaMA), which
 *    reads the same named tensors and never touches the op registry — the check of invariance.
 */
import type { GraphNode, ModelGraph, Op } from '../../src/model/graph.ts';
import type { ParamSet } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';

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

/** logits per position (or of the last / CLS position); `input` is token ids, or a flat [C, S, S] image */
export function forward(spec: Spec, params: ParamSet, input: number[]): Mat {
  const P = (n: string) => params.get(n)!.data;
  const { D, dh, heads, kvHeads } = spec;
  const img = spec.images;
  const T = img ? spec.T : input.length;
  const lin = (layer: string, x: Mat, inp: number, out: number, bias = spec.bias, layout: Spec['layout'] | 'heads' = spec.layout, weight = `${layer}.weight`): Mat => {
    const W = P(weight);
    const b = bias ? P(`${layer}.bias`) : null;
    // heads: W[h, i, j] for output h·dh + j (TransformerLens W_Q)
    const at = (o: number, i: number) => (layout === 'out-in' ? o * inp + i : layout === 'in-out' ? i * out + o : (Math.floor(o / dh) * inp + i) * dh + (o % dh));
    return x.map((row) => Array.from({ length: out }, (_, o) => {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inp; i++) s += row[i] * W[at(o, i)];
      return s;
    }));
  };
  const qkvLayout = spec.headsLayout ? 'heads' : spec.layout;
  const normF = (layer: string, x: Mat): Mat => x.map((row) => {
    const g = P(`${layer}.weight`);
    if (spec.norm === 'layernorm') {
      const b = P(`${layer}.bias`);
      const mu = row.reduce((a, c) => a + c, 0) / D;
      const va = row.reduce((a, c) => a + (c - mu) ** 2, 0) / D;
      return row.map((c, i) => ((c - mu) / Math.sqrt(va + 1e-5)) * g[i] + b[i]);
    }
    const ms = row.reduce((a, c) => a + c * c, 0) / D;
    return row.map((c, i) => (c / Math.sqrt(ms + 1e-6)) * g[i]);
  });
  const rotate = (vec: number[], pos: number): number[] => {
    const r = spec.rotary;
    if (!r) return vec;
    const out = vec.slice();
    const half = r.dims / 2;
    for (let i = 0; i < half; i++) {
      const [a, b] = r.convention === 'half-split' ? [i, i + half] : [2 * i, 2 * i + 1];
      const th = pos * r.base ** ((-2 * i) / r.dims);
      out[a] = vec[a] * Math.cos(th) - vec[b] * Math.sin(th);
      out[b] = vec[b] * Math.cos(th) + vec[a] * Math.sin(th);
    }
    return out;
  };
  let x: Mat;
  if (img) {
    // patch (py, px) → token 1 + py·n + px: Σ_{c, ky, kx} W[o, c, ky, kx]·image[c, py·p + ky, px·p + kx] + b[o]; CLS first
    const p = img.patch, n = img.size / p, C = img.channels, S = img.size;
    const W = P('patch.weight'), b = P('patch.bias');
    x = [Array.from(P('cls'))];
    for (let py = 0; py < n; py++) for (let px = 0; px < n; px++) {
      x.push(Array.from({ length: D }, (_, o) => {
        let z = b[o];
        for (let c = 0; c < C; c++) for (let ky = 0; ky < p; ky++) for (let kx = 0; kx < p; kx++) z += W[((o * C + c) * p + ky) * p + kx] * input[(c * S + py * p + ky) * S + px * p + kx];
        return z;
      }));
    }
    x = x.map((r, t) => r.map((c, i) => c + P('wpe.weight')[t * D + i]));
  } else {
    x = input.map((tok, t) => Array.from({ length: D }, (_, i) => P('wte.weight')[tok * D + i] + (spec.positions ? P('wpe.weight')[t * D + i] : 0)));
  }
  const ls = (layer: string, m: Mat): Mat => (spec.layerScale ? m.map((r) => r.map((c, i) => c * P(`${layer}.lambda`)[i])) : m);
  for (let l = 0; l < spec.layers; l++) {
    const p = `h.${l}`;
    const n1 = normF(`${p}.ln_1`, x);
    let q: Mat, k: Mat, v: Mat;
    if (spec.fused) {
      const qkv = lin(`${p}.attn.c_attn`, n1, D, (heads + 2 * kvHeads) * dh);
      q = qkv.map((r) => r.slice(0, heads * dh));
      k = qkv.map((r) => r.slice(heads * dh, (heads + kvHeads) * dh));
      v = qkv.map((r) => r.slice((heads + kvHeads) * dh));
    } else {
      q = lin(`${p}.attn.q_proj`, n1, D, heads * dh, spec.bias, qkvLayout);
      k = lin(`${p}.attn.k_proj`, n1, D, kvHeads * dh, spec.bias, qkvLayout);
      v = lin(`${p}.attn.v_proj`, n1, D, kvHeads * dh, spec.bias, qkvLayout);
    }
    const att: Mat = Array.from({ length: T }, () => new Array(heads * dh).fill(0));
    for (let h = 0; h < heads; h++) {
      const g = Math.floor((h * kvHeads) / heads);
      for (let t = 0; t < T; t++) {
        const qt = rotate(q[t].slice(h * dh, (h + 1) * dh), t);
        const s: number[] = [];
        const last = img ? T - 1 : t; // ViT attends both ways
        for (let u = 0; u <= last; u++) {
          const ku = rotate(k[u].slice(g * dh, (g + 1) * dh), u);
          s.push(qt.reduce((acc, c, j) => acc + c * ku[j], 0) / Math.sqrt(dh));
        }
        const m = Math.max(...s);
        const e = s.map((c) => Math.exp(c - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let u = 0; u <= last; u++) for (let j = 0; j < dh; j++) att[t][h * dh + j] += (e[u] / z) * v[u][g * dh + j];
      }
    }
    const o = ls(`${p}.ls1`, lin(`${p}.attn.c_proj`, att, heads * dh, D));
    x = x.map((r, t) => r.map((c, i) => c + o[t][i]));
    const n2 = normF(`${p}.ln_2`, x);
    let hdn: Mat;
    if (spec.gated) {
      const g = lin(`${p}.mlp.gate`, n2, D, spec.mlp, false);
      const up = lin(`${p}.mlp.up`, n2, D, spec.mlp, false);
      hdn = g.map((r, t) => r.map((c, i) => (c / (1 + Math.exp(-c))) * up[t][i]));
    } else {
      hdn = lin(`${p}.mlp.c_fc`, n2, D, spec.mlp).map((r) => r.map((c) => 0.5 * c * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (c + 0.044715 * c ** 3)))));
    }
    const down = ls(`${p}.ls2`, lin(`${p}.mlp.c_proj`, hdn, spec.mlp, D));
    x = x.map((r, t) => r.map((c, i) => c + down[t][i]));
  }
  if (img) return lin('lm_head', normF('ln_f', [x[0]]), D, spec.vocab, true, 'out-in');
  x = normF('ln_f', x);
  const logits = spec.tied ? lin('lm_head', x, D, spec.vocab, false, 'out-in', 'wte.weight') : lin('lm_head', x, D, spec.vocab, spec.unembedBias);
  return spec.takeLast ? [logits[T - 1]] : logits;
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
