/**
 * Plain f64 forward passes of the transformer families, written from the libraries' modeling code
 * (Hugging Face GPT-2, LLaMA, ViT, DINOv2; TransformerLens; Meta's llama / llama2.c) straight from the
 * stored tensors by name, without the project's ops or graph: the independent reference the
 * assembled whole-network graphs are checked against.
 */
export type Tensors = Record<string, Float64Array>;
export type Seq = Float64Array[];

/**
 * y = W x + b with W stored [out, in] (nn.Linear), [in, out] (Conv1D, TransformerLens) or
 * [heads, in, d_head] (TransformerLens W_Q/W_K/W_V: y[h·d_head + j] = Σ_i W[h, i, j] x_i).
 */
export function lin(x: Float64Array, W: Float64Array, b: Float64Array | null | undefined, I: number, O: number, stored: 'out-in' | 'in-out' | 'heads', heads = 1): Float64Array {
  const dh = O / heads;
  const at = (o: number, i: number) => (stored === 'out-in' ? o * I + i : stored === 'in-out' ? i * O + o : (Math.floor(o / dh) * I + i) * dh + (o % dh));
  const y = new Float64Array(O);
  for (let o = 0; o < O; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < I; i++) s += x[i] * W[at(o, i)];
    y[o] = s;
  }
  return y;
}

export function layerNorm(x: Float64Array, g: Float64Array | null, b: Float64Array | null, eps: number): Float64Array {
  return layerNormOf(x, g, b, eps);
}

function layerNormOf(x: Float64Array, g: Float64Array | null, b: Float64Array | null, eps: number): Float64Array {
  const n = x.length;
  const mu = x.reduce((a, v) => a + v, 0) / n;
  const v = x.reduce((a, u) => a + (u - mu) ** 2, 0) / n;
  return x.map((u, i) => ((u - mu) / Math.sqrt(v + eps)) * (g ? g[i] : 1) + (b ? b[i] : 0));
}

export function rmsNorm(x: Float64Array, g: Float64Array, eps: number): Float64Array {
  const ms = x.reduce((a, u) => a + u * u, 0) / x.length;
  return x.map((u, i) => (u / Math.sqrt(ms + eps)) * g[i]);
}

/** erf by its everywhere-positive series (exact to rounding for |x| < 6). */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let term = a, sum = a;
  for (let n = 1; n < 300 && term > sum * 1e-18; n++) { term *= (2 * a * a) / (2 * n + 1); sum += term; }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

export const ACT: Record<string, (z: number) => number> = {
  gelu: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
  gelu_tanh: (z) => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))),
  relu: (z) => Math.max(z, 0),
  silu: (z) => z / (1 + Math.exp(-z)),
};

/** Rotary positions on the first `dims` features of a head (all of them when absent; NeoX rotary_pct). */
export type Rope = null | { base: number; convention: 'half-split' | 'interleaved'; dims?: number };

/** Rotate one head vector at position t (HF rotate_half, or Meta's complex pairs (2i, 2i+1)). */
function rotate(x: Float64Array, t: number, rope: NonNullable<Rope>): Float64Array {
  const d = rope.dims ?? x.length, half = d / 2;
  const y = x.slice();
  for (let i = 0; i < half; i++) {
    const theta = t * rope.base ** (-(2 * i) / d);
    const c = Math.cos(theta), s = Math.sin(theta);
    const [a, b] = rope.convention === 'half-split' ? [i, i + half] : [2 * i, 2 * i + 1];
    y[a] = x[a] * c - x[b] * s;
    y[b] = x[b] * c + x[a] * s;
  }
  return y;
}

/** Multi-head softmax attention over a sequence: q [T][H·dh], k, v [T][Hkv·dh] → [T][H·dh]. */
export function attention(q: Seq, k: Seq, v: Seq, H: number, Hkv: number, causal: boolean, rope: Rope): Seq {
  const T = q.length, dh = q[0].length / H;
  const out = q.map(() => new Float64Array(H * dh));
  for (let h = 0; h < H; h++) {
    const g = Math.floor((h * Hkv) / H);
    const head = (x: Float64Array, j: number) => x.slice(j * dh, (j + 1) * dh);
    const qs = q.map((x, t) => (rope ? rotate(head(x, h), t, rope) : head(x, h)));
    const ks = k.map((x, t) => (rope ? rotate(head(x, g), t, rope) : head(x, g)));
    for (let t = 0; t < T; t++) {
      const logits = ks.map((kk, s) => (causal && s > t ? -Infinity : qs[t].reduce((a, u, i) => a + u * kk[i], 0) / Math.sqrt(dh)));
      const m = Math.max(...logits);
      const w = logits.map((l) => Math.exp(l - m));
      const z = w.reduce((a, u) => a + u, 0);
      for (let s = 0; s < T; s++) for (let i = 0; i < dh; i++) out[t][h * dh + i] += (w[s] / z) * v[s][g * dh + i];
    }
  }
  return out;
}

export const addSeq = (a: Seq, b: Seq): Seq => a.map((x, t) => x.map((u, i) => u + b[t][i]));
const embed = (W: Float64Array, tokens: number[], D: number): Seq => tokens.map((tok) => W.slice(tok * D, (tok + 1) * D));

export interface Dims { D: number; H: number; Hkv?: number; layers: number; eps: number; act: string; /** default true */ causal?: boolean }

/**
 * Hugging Face GPT2LMHeadModel (Conv1D [in, out]) or minGPT/nanoGPT (nn.Linear [out, in]); logits at the
 * last position, or (`allPositions`) at every position, [T × V] concatenated.
 */
export function gpt2Forward(w: Tensors, tokens: number[], d: Dims, o: { prefix: string; stored: 'in-out' | 'out-in'; lmHead: string; allPositions?: boolean }): Float64Array {
  const { D, H } = d;
  const p = o.prefix;
  let x = addSeq(embed(w[`${p}wte.weight`], tokens, D), tokens.map((_, t) => w[`${p}wpe.weight`].slice(t * D, (t + 1) * D)));
  for (let l = 0; l < d.layers; l++) {
    const b = `${p}h.${l}.`;
    const n1 = x.map((u) => layerNorm(u, w[`${b}ln_1.weight`], w[`${b}ln_1.bias`] ?? null, d.eps));
    const qkv = n1.map((u) => lin(u, w[`${b}attn.c_attn.weight`], w[`${b}attn.c_attn.bias`], D, 3 * D, o.stored));
    const a = attention(qkv.map((u) => u.slice(0, D)), qkv.map((u) => u.slice(D, 2 * D)), qkv.map((u) => u.slice(2 * D)), H, H, true, null);
    x = addSeq(x, a.map((u) => lin(u, w[`${b}attn.c_proj.weight`], w[`${b}attn.c_proj.bias`], D, D, o.stored)));
    const n2 = x.map((u) => layerNorm(u, w[`${b}ln_2.weight`], w[`${b}ln_2.bias`] ?? null, d.eps));
    const F = w[`${b}mlp.c_fc.weight`].length / D;
    const m = n2.map((u) => lin(lin(u, w[`${b}mlp.c_fc.weight`], w[`${b}mlp.c_fc.bias`], D, F, o.stored).map(ACT[d.act]), w[`${b}mlp.c_proj.weight`], w[`${b}mlp.c_proj.bias`], F, D, o.stored));
    x = addSeq(x, m);
  }
  const V = w[o.lmHead].length / D;
  const logits = (u: Float64Array) => lin(layerNorm(u, w[`${p}ln_f.weight`], w[`${p}ln_f.bias`] ?? null, d.eps), w[o.lmHead], null, D, V, 'out-in');
  if (!o.allPositions) return logits(x[x.length - 1]);
  const out = new Float64Array(x.length * V);
  x.forEach((u, t) => out.set(logits(u), t * V));
  return out;
}

/**
 * TransformerLens HookedTransformer: W_Q/K/V [H, D, dh], W_O [H, dh, D], W_in/W_out/W_U [in, out];
 * LayerNorms without stored w/b centre and normalise only (LNPre); `norms: false` has none (normalization_type None).
 */
export function transformerLensForward(w: Tensors, tokens: number[], d: Dims & { dh: number; norms?: boolean; rope?: Rope; rms?: boolean }): Float64Array {
  const { D, H, dh } = d;
  // RMSPre: x / rms(x), no γ
  const layerNorm = (x: Float64Array, g: Float64Array | undefined, b: Float64Array | undefined, eps: number) => (d.norms === false ? x
    : d.rms ? rmsNorm(x, g ?? new Float64Array(x.length).fill(1), eps) : layerNormOf(x, g ?? null, b ?? null, eps));
  // positional_embedding_type "rotary": no position table, the rotation inside attention
  const e = embed(w['embed.W_E'], tokens, D);
  let x = d.rope ? e : addSeq(e, tokens.map((_, t) => w['pos_embed.W_pos'].slice(t * D, (t + 1) * D)));
  for (let l = 0; l < d.layers; l++) {
    const b = `blocks.${l}.`;
    const n1 = x.map((u) => layerNorm(u, w[`${b}ln1.w`], w[`${b}ln1.b`], d.eps));
    const [q, k, v] = ['Q', 'K', 'V'].map((m) => n1.map((u) => lin(u, w[`${b}attn.W_${m}`], w[`${b}attn.b_${m}`], D, H * dh, 'heads', H)));
    const a = attention(q, k, v, H, H, d.causal ?? true, d.rope ?? null);
    x = addSeq(x, a.map((u) => lin(u, w[`${b}attn.W_O`], w[`${b}attn.b_O`], H * dh, D, 'in-out')));
    if (!w[`${b}mlp.W_in`]) continue; // attn_only
    const n2 = x.map((u) => layerNorm(u, w[`${b}ln2.w`], w[`${b}ln2.b`], d.eps));
    const F = w[`${b}mlp.b_in`].length;
    x = addSeq(x, n2.map((u) => lin(lin(u, w[`${b}mlp.W_in`], w[`${b}mlp.b_in`], D, F, 'in-out').map(ACT[d.act]), w[`${b}mlp.W_out`], w[`${b}mlp.b_out`], F, D, 'in-out')));
  }
  const last = layerNorm(x[x.length - 1], w['ln_final.w'], w['ln_final.b'], d.eps);
  return lin(last, w['unembed.W_U'], w['unembed.b_U'], D, w['unembed.b_U'].length, 'in-out');
}

/** LLaMA: HF names (half-split rotary) or Meta names (interleaved); SwiGLU; GQA; logits at the last position. */
export function llamaForward(w: Tensors, tokens: number[], d: Dims & { rope: NonNullable<Rope>; /** the unembedding (default the family's lm_head / output) */ head?: string }, names: 'hf' | 'meta' | 'phi3'): Float64Array {
  const { D, H } = d;
  const Hkv = d.Hkv ?? H;
  const dh = D / H;
  const n = names === 'meta'
    ? { emb: 'tok_embeddings.weight', layer: 'layers.', q: 'attention.wq', k: 'attention.wk', v: 'attention.wv', o: 'attention.wo', gate: 'feed_forward.w1', up: 'feed_forward.w3', down: 'feed_forward.w2', n1: 'attention_norm', n2: 'ffn_norm', norm: 'norm.weight', head: 'output.weight' }
    : { emb: 'model.embed_tokens.weight', layer: 'model.layers.', q: 'self_attn.q_proj', k: 'self_attn.k_proj', v: 'self_attn.v_proj', o: 'self_attn.o_proj', gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj', n1: 'input_layernorm', n2: 'post_attention_layernorm', norm: 'model.norm.weight', head: 'lm_head.weight' };
  let x = embed(w[n.emb], tokens, D);
  for (let l = 0; l < d.layers; l++) {
    const b = `${n.layer}${l}.`;
    const n1 = x.map((u) => rmsNorm(u, w[`${b}${n.n1}.weight`], d.eps));
    let q: Seq, k: Seq, v: Seq;
    if (names === 'phi3') {
      const qkv = n1.map((u) => lin(u, w[`${b}self_attn.qkv_proj.weight`], null, D, (H + 2 * Hkv) * dh, 'out-in'));
      q = qkv.map((u) => u.slice(0, H * dh));
      k = qkv.map((u) => u.slice(H * dh, (H + Hkv) * dh));
      v = qkv.map((u) => u.slice((H + Hkv) * dh));
    } else {
      // Qwen2 stores q/k/v biases (added before the rotation)
      q = n1.map((u) => lin(u, w[`${b}${n.q}.weight`], w[`${b}${n.q}.bias`] ?? null, D, H * dh, 'out-in'));
      k = n1.map((u) => lin(u, w[`${b}${n.k}.weight`], w[`${b}${n.k}.bias`] ?? null, D, Hkv * dh, 'out-in'));
      v = n1.map((u) => lin(u, w[`${b}${n.v}.weight`], w[`${b}${n.v}.bias`] ?? null, D, Hkv * dh, 'out-in'));
    }
    const a = attention(q, k, v, H, Hkv, true, d.rope);
    x = addSeq(x, a.map((u) => lin(u, w[`${b}${n.o}.weight`], null, H * dh, D, 'out-in')));
    const n2 = x.map((u) => rmsNorm(u, w[`${b}${n.n2}.weight`], d.eps));
    let hidden: Seq;
    if (names === 'phi3') {
      const F = w[`${b}mlp.gate_up_proj.weight`].length / D / 2;
      hidden = n2.map((u) => {
        const gu = lin(u, w[`${b}mlp.gate_up_proj.weight`], null, D, 2 * F, 'out-in');
        return gu.slice(0, F).map((g, j) => ACT[d.act](g) * gu[F + j]);
      });
    } else {
      const F = w[`${b}${n.up}.weight`].length / D;
      hidden = n2.map((u) => {
        const g = lin(u, w[`${b}${n.gate}.weight`], null, D, F, 'out-in');
        const up = lin(u, w[`${b}${n.up}.weight`], null, D, F, 'out-in');
        return g.map((z, j) => ACT[d.act](z) * up[j]);
      });
    }
    const F = hidden[0].length;
    x = addSeq(x, hidden.map((u) => lin(u, w[`${b}${names === 'phi3' ? 'mlp.down_proj' : n.down}.weight`], null, F, D, 'out-in')));
  }
  const last = rmsNorm(x[x.length - 1], w[n.norm], d.eps);
  const head = d.head ?? n.head;
  return lin(last, w[head], null, D, w[head].length / D, 'out-in');
}

/**
 * The patch embedding of a ViT: a P×P conv of stride P (weight [D, C, P, P]) over image [C, S, S],
 * patch (r, c) → row r·(S/P) + c.
 */
export function patchEmbed(image: ArrayLike<number>, Wp: Float64Array, bp: Float64Array, d: { D: number; C: number; S: number; P: number }): Seq {
  const { D, C, S, P } = d;
  const side = S / P;
  const out: Seq = [];
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
    const e = new Float64Array(D);
    for (let o = 0; o < D; o++) {
      let s = bp[o];
      for (let ch = 0; ch < C; ch++) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) s += Wp[((o * C + ch) * P + i) * P + j] * image[(ch * S + r * P + i) * S + c * P + j];
      e[o] = s;
    }
    out.push(e);
  }
  return out;
}

/**
 * HF ViTForImageClassification (prefix `vit.`, classifier on the CLS token), Dinov2Model (no
 * prefix, layer scale, no head: the normed CLS output) or Dinov2ForImageClassification (prefix
 * `dinov2.`, `classifier(cat([h[:, 0], h[:, 1 + R:].mean(dim=1)], dim=1))` of the normed sequence h;
 * with `embeddings.register_tokens` [1, R, D], Dinov2WithRegisters, R = 0 otherwise).
 * image [C, S, S].
 */
export function vitForward(w: Tensors, image: Float64Array, d: Dims & { C: number; S: number; P: number }, kind: 'vit' | 'dinov2' | 'dinov2-classifier'): Float64Array {
  const { D, H } = d;
  const p = kind === 'vit' ? 'vit.' : kind === 'dinov2-classifier' ? 'dinov2.' : '';
  let x: Seq = [w[`${p}embeddings.cls_token`].slice(), ...patchEmbed(image, w[`${p}embeddings.patch_embeddings.projection.weight`], w[`${p}embeddings.patch_embeddings.projection.bias`], d)];
  const pos = w[`${p}embeddings.position_embeddings`];
  x = x.map((u, t) => u.map((v, i) => v + pos[t * D + i]));
  // Dinov2WithRegisters: cat(x[:, :1], register_tokens, x[:, 1:]) after the positions
  const reg = w[`${p}embeddings.register_tokens`];
  const R = reg ? reg.length / D : 0;
  if (reg) x = [x[0], ...Array.from({ length: R }, (_, r) => reg.slice(r * D, (r + 1) * D)), ...x.slice(1)];
  const names = kind === 'vit'
    ? { n1: 'layernorm_before', n2: 'layernorm_after', up: 'intermediate.dense', down: 'output.dense' }
    : { n1: 'norm1', n2: 'norm2', up: 'mlp.fc1', down: 'mlp.fc2' };
  for (let l = 0; l < d.layers; l++) {
    const b = `${p}encoder.layer.${l}.`;
    const n1 = x.map((u) => layerNorm(u, w[`${b}${names.n1}.weight`], w[`${b}${names.n1}.bias`], d.eps));
    const [q, k, v] = ['query', 'key', 'value'].map((m) => n1.map((u) => lin(u, w[`${b}attention.attention.${m}.weight`], w[`${b}attention.attention.${m}.bias`], D, D, 'out-in')));
    let a = attention(q, k, v, H, H, false, null).map((u) => lin(u, w[`${b}attention.output.dense.weight`], w[`${b}attention.output.dense.bias`], D, D, 'out-in'));
    if (kind !== 'vit') a = a.map((u) => u.map((z, i) => z * w[`${b}layer_scale1.lambda1`][i]));
    x = addSeq(x, a);
    const n2 = x.map((u) => layerNorm(u, w[`${b}${names.n2}.weight`], w[`${b}${names.n2}.bias`], d.eps));
    const F = w[`${b}${names.up}.bias`].length;
    let m = n2.map((u) => lin(lin(u, w[`${b}${names.up}.weight`], w[`${b}${names.up}.bias`], D, F, 'out-in').map(ACT[d.act]), w[`${b}${names.down}.weight`], w[`${b}${names.down}.bias`], F, D, 'out-in'));
    if (kind !== 'vit') m = m.map((u) => u.map((z, i) => z * w[`${b}layer_scale2.lambda1`][i]));
    x = addSeq(x, m);
  }
  const cls = layerNorm(x[0], w[`${p}layernorm.weight`], w[`${p}layernorm.bias`], d.eps);
  if (kind === 'dinov2-classifier') {
    const patches = x.slice(1 + R).map((u) => layerNorm(u, w[`${p}layernorm.weight`], w[`${p}layernorm.bias`], d.eps));
    const mean = new Float64Array(D);
    for (const u of patches) u.forEach((z, i) => { mean[i] += z / patches.length; });
    return lin(Float64Array.from([...cls, ...mean]), w['classifier.weight'], w['classifier.bias'], 2 * D, w['classifier.bias'].length, 'out-in');
  }
  return kind === 'vit' ? lin(cls, w['classifier.weight'], w['classifier.bias'], D, w['classifier.bias'].length, 'out-in') : cls;
}

/**
 * timm VisionTransformer (DINOv2 torch.hub's DinoVisionTransformer the same): patch_embed.proj conv,
 * cat(cls_token, x) + pos_embed, blocks x + ls1(proj(attn(qkv(norm1(x))))) and x + ls2(fc2(GELU(fc1(norm2(x))))),
 * qkv rows q, k, v (each heads × dh), scale dh^−1/2; `norm`, then `head` on the CLS token. image [C, S, S].
 */
export function timmVitForward(w: Tensors, image: Float64Array, d: Dims & { C: number; S: number; P: number }): Float64Array {
  const { D, H } = d;
  let x: Seq = [w['cls_token'].slice(), ...patchEmbed(image, w['patch_embed.proj.weight'], w['patch_embed.proj.bias'], d)];
  x = x.map((u, t) => u.map((v, i) => v + w['pos_embed'][t * D + i]));
  for (let l = 0; l < d.layers; l++) {
    const b = `blocks.${l}.`;
    const qkv = x.map((u) => lin(layerNorm(u, w[`${b}norm1.weight`], w[`${b}norm1.bias`], d.eps), w[`${b}attn.qkv.weight`], w[`${b}attn.qkv.bias`], D, 3 * D, 'out-in'));
    const a = attention(qkv.map((u) => u.slice(0, D)), qkv.map((u) => u.slice(D, 2 * D)), qkv.map((u) => u.slice(2 * D)), H, H, false, null);
    x = addSeq(x, a.map((u) => lin(u, w[`${b}attn.proj.weight`], w[`${b}attn.proj.bias`], D, D, 'out-in').map((z, i) => z * w[`${b}ls1.gamma`][i])));
    const F = w[`${b}mlp.fc1.bias`].length;
    x = addSeq(x, x.map((u) => lin(lin(layerNorm(u, w[`${b}norm2.weight`], w[`${b}norm2.bias`], d.eps), w[`${b}mlp.fc1.weight`], w[`${b}mlp.fc1.bias`], D, F, 'out-in').map(ACT.gelu), w[`${b}mlp.fc2.weight`], w[`${b}mlp.fc2.bias`], F, D, 'out-in').map((z, i) => z * w[`${b}ls2.gamma`][i])));
  }
  const cls = layerNorm(x[0], w['norm.weight'], w['norm.bias'], d.eps);
  return lin(cls, w['head.weight'], w['head.bias'], D, w['head.bias'].length, 'out-in');
}

/**
 * Karpathy's "GPT from scratch" lecture model (ng-video-lecture gpt.py): one Head module per head
 * (`blocks.N.sa.heads.H.{key,query,value}`, no biases) scaling its scores by C**-0.5 with C = n_embd,
 * heads joined by torch.cat, `sa.proj`, a ReLU `ffwd.net`, pre-norm; logits at the last position.
 */
export function lectureGptForward(w: Tensors, tokens: number[], d: { D: number; H: number; layers: number; eps: number }): Float64Array {
  const { D, H } = d;
  const T = tokens.length;
  let x: Seq = tokens.map((tok, t) => w['token_embedding_table.weight'].slice(tok * D, (tok + 1) * D).map((u, i) => u + w['position_embedding_table.weight'][t * D + i]));
  for (let l = 0; l < d.layers; l++) {
    const b = `blocks.${l}.`;
    const n1 = x.map((u) => layerNorm(u, w[`${b}ln1.weight`], w[`${b}ln1.bias`], d.eps));
    const heads: Seq[] = [];
    for (let h = 0; h < H; h++) {
      const hs = w[`${b}sa.heads.${h}.query.weight`].length / D;
      const [q, k, v] = ['query', 'key', 'value'].map((m) => n1.map((u) => lin(u, w[`${b}sa.heads.${h}.${m}.weight`], null, D, hs, 'out-in')));
      heads.push(q.map((qt, t) => {
        const s = k.map((ks, j) => (j > t ? -Infinity : qt.reduce((a, u, i) => a + u * ks[i], 0) * D ** -0.5));
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const z = e.reduce((a, u) => a + u, 0);
        const o = new Float64Array(hs);
        for (let j = 0; j < T; j++) for (let i = 0; i < hs; i++) o[i] += (e[j] / z) * v[j][i];
        return o;
      }));
    }
    const cat = x.map((_, t) => Float64Array.from(heads.flatMap((hd) => [...hd[t]])));
    x = addSeq(x, cat.map((u) => lin(u, w[`${b}sa.proj.weight`], w[`${b}sa.proj.bias`], D, D, 'out-in')));
    const n2 = x.map((u) => layerNorm(u, w[`${b}ln2.weight`], w[`${b}ln2.bias`], d.eps));
    const F = w[`${b}ffwd.net.0.bias`].length;
    x = addSeq(x, n2.map((u) => lin(lin(u, w[`${b}ffwd.net.0.weight`], w[`${b}ffwd.net.0.bias`], D, F, 'out-in').map(ACT.relu), w[`${b}ffwd.net.2.weight`], w[`${b}ffwd.net.2.bias`], F, D, 'out-in')));
  }
  const last = layerNorm(x[T - 1], w['ln_f.weight'], w['ln_f.bias'], d.eps);
  return lin(last, w['lm_head.weight'], w['lm_head.bias'], D, w['lm_head.bias'].length, 'out-in');
}

/**
 * lucidrains vit-pytorch ViT (Residual(PreNorm(…)) wrappers): `Rearrange('b c (h p1) (w p2) -> b (h w)
 * (p1 p2 c)')` then `to_patch_embedding.1`, CLS prepended, `pos_embedding` added; per layer
 * x + to_out(attn(to_qkv(LN(x)).chunk(3))) with scale dim_head^−1/2, x + net.3(GELU(net.0(LN(x))));
 * pool 'cls' (`x[:, 0]`) or 'mean' (`x.mean(dim = 1)`, every token); `mlp_head` = LayerNorm, Linear. image [C, S, S].
 */
export function vitPytorchForward(w: Tensors, image: Float64Array, d: { D: number; H: number; layers: number; eps: number; C: number; S: number; P: number; pool?: 'cls' | 'mean' }): Float64Array {
  const { D, H, C, S, P } = d;
  const side = S / P;
  const patchDim = P * P * C;
  let x: Seq = [w['cls_token'].slice()];
  for (let h = 0; h < side; h++) for (let ww = 0; ww < side; ww++) {
    const patch = new Float64Array(patchDim);
    let k = 0;
    for (let p1 = 0; p1 < P; p1++) for (let p2 = 0; p2 < P; p2++) for (let c = 0; c < C; c++) patch[k++] = image[(c * S + h * P + p1) * S + ww * P + p2];
    x.push(lin(patch, w['to_patch_embedding.1.weight'], w['to_patch_embedding.1.bias'], patchDim, D, 'out-in'));
  }
  x = x.map((u, t) => u.map((v, i) => v + w['pos_embedding'][t * D + i]));
  for (let l = 0; l < d.layers; l++) {
    const b = `transformer.layers.${l}.`;
    const n1 = x.map((u) => layerNorm(u, w[`${b}0.fn.norm.weight`], w[`${b}0.fn.norm.bias`], d.eps));
    const inner = w[`${b}0.fn.fn.to_qkv.weight`].length / D / 3;
    const qkv = n1.map((u) => lin(u, w[`${b}0.fn.fn.to_qkv.weight`], null, D, 3 * inner, 'out-in'));
    const a = attention(qkv.map((u) => u.slice(0, inner)), qkv.map((u) => u.slice(inner, 2 * inner)), qkv.map((u) => u.slice(2 * inner)), H, H, false, null);
    x = addSeq(x, a.map((u) => lin(u, w[`${b}0.fn.fn.to_out.0.weight`], w[`${b}0.fn.fn.to_out.0.bias`], inner, D, 'out-in')));
    const n2 = x.map((u) => layerNorm(u, w[`${b}1.fn.norm.weight`], w[`${b}1.fn.norm.bias`], d.eps));
    const F = w[`${b}1.fn.fn.net.0.bias`].length;
    x = addSeq(x, n2.map((u) => lin(lin(u, w[`${b}1.fn.fn.net.0.weight`], w[`${b}1.fn.fn.net.0.bias`], D, F, 'out-in').map(ACT.gelu), w[`${b}1.fn.fn.net.3.weight`], w[`${b}1.fn.fn.net.3.bias`], F, D, 'out-in')));
  }
  const pooled = d.pool === 'mean' ? x.reduce((acc, u) => acc.map((z, i) => z + u[i] / x.length), new Float64Array(D)) : x[0];
  const cls = layerNorm(pooled, w['mlp_head.0.weight'], w['mlp_head.0.bias'], d.eps);
  return lin(cls, w['mlp_head.1.weight'], w['mlp_head.1.bias'], D, w['mlp_head.1.bias'].length, 'out-in');
}

/** E_x (Jv)ᵀ (diag p − p pᵀ) (Jv) at `move(w, t)`, with Jv by central differences (step h) of the logits. */
export function classificationFisher<X>(forward: (w: Tensors, x: X) => Float64Array, w: Tensors, move: (w: Tensors, t: number) => Tensors, t: number, xs: X[], h = 1e-5): number {
  const plus = move(w, t + h), minus = move(w, t - h), at = move(w, t);
  let F = 0;
  for (const x of xs) {
    const z = forward(at, x);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s);
    const a = forward(plus, x), b = forward(minus, x);
    const jv = a.map((v, i) => (v - b[i]) / (2 * h));
    const mean = jv.reduce((acc, v, i) => acc + p[i] * v, 0);
    F += jv.reduce((acc, v, i) => acc + p[i] * (v - mean) ** 2, 0);
  }
  return F / xs.length;
}
