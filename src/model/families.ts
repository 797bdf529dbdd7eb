/**
 * Transformer family recognition: from tensor names and shapes (and config.json when given) to
 * the blocks of a transformer — each attention layer with its Q/K/V/O projections, each MLP with
 * its up/gate/down maps, each norm in front of them, the embeddings and the unembedding/head.
 *
 * One role table covers the naming families researchers' checkpoints use (GPT-2 HF with Conv1D
 * `[in, out]` weights and its minGPT/nanoGPT variant with `[out, in]`; TransformerLens `W_Q`
 * `[n_heads, d_model, d_head]` …; HF ViT and DINOv2; LLaMA HF and Meta/llama2.c names; fused
 * `qkv`/`gate_up` projections, per-head modules, encoder–decoder cross-attention and nested
 * wrappers such as `layers.N.0.fn.fn.to_qkv`). A module's role is decided by its own name and
 * the names of its parents (`c_proj` under `attn` is the output projection, under `mlp` the down
 * map); a stored weight's layout by which of its axes has the model width.
 */
import { ArchitectureError, type TensorDesc } from './infer.ts';
import { hyperparametersFromConfig, type Hyperparameters, type Known } from './hyperparameters.ts';
import type { Activation } from './graph.ts';
import type { LinearLayout } from '../ops/linear/definition.ts';

export type Family = 'gpt2-hf' | 'nanogpt' | 'transformer-lens' | 'vit-hf' | 'dinov2-hf' | 'timm-vit' | 'llama-hf' | 'llama-meta' | 'gpt-lecture' | 'vit-pytorch' | 'generic';

export const FAMILY_LABELS: Record<Family, string> = {
  'gpt2-hf': 'GPT-2 (Hugging Face names, Conv1D [in, out] weights)',
  nanogpt: 'GPT-2 (minGPT/nanoGPT names, Linear [out, in] weights)',
  'transformer-lens': 'TransformerLens',
  'vit-hf': 'ViT (Hugging Face names)',
  'dinov2-hf': 'DINOv2 (Hugging Face names)',
  'llama-hf': 'LLaMA-style (Hugging Face names)',
  'llama-meta': 'LLaMA-style (Meta/llama2.c names)',
  'gpt-lecture': 'GPT from scratch (Karpathy\'s lecture names: one module per head)',
  'vit-pytorch': 'ViT (lucidrains vit-pytorch names: Residual(PreNorm(…)) wrappers, linear patch embedding)',
  'timm-vit': 'ViT (timm / DINOv2 torch.hub names: blocks.N.attn.qkv, layer scale ls1/ls2.gamma)',
  generic: 'transformer (names recognised by role)',
};

/** A linear map of a block: its stored weight read in its stored layout (src/ops/linear/definition.ts). */
export interface LinearRef { module: string; weight: string; bias: string | null; layout: LinearLayout; inFeatures: number; outFeatures: number }
export interface NormRef { module: string; kind: 'layernorm' | 'rmsnorm'; weight: string | null; bias: string | null; width: number }
export type Projection = 'q' | 'k' | 'v' | 'qkv' | 'o';

export interface AttentionBlock {
  kind: 'attention';
  name: string;
  norm: NormRef | null;
  /** reads another stack's output for K and V (encoder–decoder) */
  cross: boolean;
  projections: { role: Projection; head: number | null; linear: LinearRef }[];
  /** layer scale after the output projection (DINOv2 `layer_scale1.lambda1`) */
  layerScale: string | null;
}
export interface MlpBlock {
  kind: 'mlp';
  name: string;
  norm: NormRef | null;
  up: LinearRef;
  /** SwiGLU/GeGLU gate; with `fusedGateUp` the gate is the first half of `up`'s rows */
  gate: LinearRef | null;
  fusedGateUp: boolean;
  down: LinearRef;
  layerScale: string | null;
}
/** final norm → unembedding or classifier */
export interface HeadBlock {
  kind: 'head'; name: string; norm: NormRef | null; linear: LinearRef; tiedTo: string | null;
  /** reads cat[CLS, mean of the patch tokens] of the normed sequence (2·d features; HF Dinov2ForImageClassification) */
  pooled: boolean;
}
export type Block = AttentionBlock | MlpBlock | HeadBlock;

export interface Recognition {
  family: Family;
  label: string;
  dModel: number;
  normKind: 'layernorm' | 'rmsnorm';
  blocks: Block[];
  /** parameters recognised but outside every block read (embeddings, CLS token, layer scales …) */
  embeddings: string[];
  /** stored buffers that are not parameters (causal masks, rotary tables) */
  buffers: string[];
  /** tensors no role fits */
  unplaced: string[];
  hyper: Hyperparameters;
  /** rotary convention where the family uses rotary embeddings */
  rotary: 'half-split' | 'interleaved' | null;
  /** the share of each head's features rotary turns (config.json partial_rotary_factor; TransformerLens rotary_dim / d_head) */
  rotaryFraction: number;
  /** the input stage a whole-network graph starts from (tensor names; null where absent) */
  inputs: {
    tokenEmbedding: string | null;
    /** learned positions [Tmax, D] or [1, Tmax, D] */
    positionEmbedding: string | null;
    /** ViT patch embedding: a conv [D, C, p, p] (HF, timm) or a linear [D, p·p·C] on einops `(p1 p2 c)` patches (vit-pytorch) */
    patchEmbedding: { kind: 'conv' | 'linear'; module: string; weight: string; bias: string | null } | null;
    /** ViT CLS token [1, 1, D] */
    clsToken: string | null;
    /** DINOv2 register tokens [1, R, D] (inserted after CLS) */
    registerTokens: string | null;
  };
  /** the final norm (also when no head reads it: a backbone) */
  finalNorm: NormRef | null;
  /** config.json says the model has no norms at all (TransformerLens `normalization_type: null`) */
  normFree: boolean;
  notes: string[];
}

// --- the role table --------------------------------------------------------------------------

const ATTENTION_CONTEXT = /^(attn|attention|self_attn|selfattention|self_attention|encdecattention|encoder_attn|cross_attn|crossattention|cross_attention|multihead_attn|src_attn|sa|mha|heads|attn_layer)$/i;
const CROSS_CONTEXT = /^(encdecattention|encoder_attn|cross_attn|crossattention|cross_attention|multihead_attn|src_attn)$/i;
const PROJECTION_LEAVES: Record<string, Projection> = {
  q_proj: 'q', query: 'q', wq: 'q', q: 'q', to_q: 'q', q_lin: 'q', w_q: 'q',
  k_proj: 'k', key: 'k', wk: 'k', k: 'k', to_k: 'k', k_lin: 'k', w_k: 'k',
  v_proj: 'v', value: 'v', wv: 'v', v: 'v', to_v: 'v', v_lin: 'v', w_v: 'v',
  c_attn: 'qkv', qkv: 'qkv', qkv_proj: 'qkv', to_qkv: 'qkv', wqkv: 'qkv', query_key_value: 'qkv', in_proj: 'qkv',
  o_proj: 'o', wo: 'o', o: 'o', out_proj: 'o', c_proj: 'o', proj: 'o', dense: 'o', to_out: 'o', out_lin: 'o', w_o: 'o',
};
type MlpRole = 'up' | 'gate' | 'down' | 'gate_up';
const MLP_LEAVES: Record<string, MlpRole> = {
  c_fc: 'up', fc1: 'up', linear1: 'up', up_proj: 'up', w_in: 'up', lin1: 'up', fc_in: 'up', dense_h_to_4h: 'up', wi: 'up', wi_1: 'up', w3: 'up',
  gate_proj: 'gate', wi_0: 'gate', w_gate: 'gate', w1: 'gate',
  c_proj: 'down', fc2: 'down', linear2: 'down', down_proj: 'down', w_out: 'down', lin2: 'down', fc_out: 'down', dense_4h_to_h: 'down', wo: 'down', w2: 'down',
  gate_up_proj: 'gate_up', w12: 'gate_up', weights_in: 'gate_up', weights_out: 'down',
};
const ATTENTION_NORMS = new Set(['ln_1', 'ln1', 'norm1', 'norm_1', 'layernorm_before', 'input_layernorm', 'attention_norm', 'attn_norm', 'ln_attn', 'pre_attention_layernorm', 'layer_norm1']);
const CROSS_NORMS = new Set(['ln_cross_attn', 'cross_attn_norm', 'norm_cross']);
const MLP_NORMS = new Set(['ln_2', 'ln2', 'norm2', 'norm_2', 'layernorm_after', 'post_attention_layernorm', 'ffn_norm', 'mlp_norm', 'ln_mlp', 'pre_feedforward_layernorm', 'layer_norm2']);
const FINAL_NORMS = new Set(['ln_f', 'norm', 'ln_final', 'layernorm', 'final_layer_norm', 'final_layernorm', 'norm_out', 'final_norm', 'post_layernorm']);
const TOKEN_EMBEDDINGS = new Set(['wte', 'embed_tokens', 'tok_embeddings', 'word_embeddings', 'token_embedding_table', 'token_embedding', 'tok_emb', 'embed', 'shared', 'embeddings']);
const UNEMBEDDINGS = new Set(['lm_head', 'output', 'unembed', 'classifier', 'head', 'mlp_head', 'fc_out', 'out_head', 'generator']);
const LAYER_SCALE_PARAMS = new Set(['lambda1', 'lambda2', 'gamma', 'gamma_1', 'gamma_2']);
const BUFFER_LEAVES = new Set(['masked_bias', 'mask', 'IGNORE', 'inv_freq', 'freqs_cos', 'freqs_sin', 'freqs_cis', 'rotary_sin', 'rotary_cos', 'position_ids', 'num_batches_tracked', 'tril', 'causal_mask']);
const WRAPPER_PREFIXES = ['_orig_mod.', 'module.'];
/** HF encoder–decoders with BART's norm names, by where their layers' norms sit */
const POST_NORM_SEQ2SEQ = new Set(['bart', 'marian', 'plbart', 'blenderbot-small']);
const PRE_NORM_SEQ2SEQ = new Set(['mbart', 'pegasus', 'blenderbot', 'blenderbot-small', 'm2m_100', 'plbart']);

interface Module { path: string; weight: TensorDesc | null; bias: TensorDesc | null; other: TensorDesc[] }

const isIndex = (s: string) => /^\d+$/.test(s);

/** The module and parameter a tensor name stands for (TransformerLens parameters are modules of their own). */
function splitName(rel: string): { module: string; param: string } {
  const parts = rel.split('.');
  const leaf = parts[parts.length - 1];
  const parent = parts.slice(0, -1).join('.');
  const tl = /^_?([Wb])_(.+)$/.exec(leaf);
  if (tl) return { module: `${parent}.${tl[2]}`, param: tl[1] === 'W' ? 'weight' : 'bias' };
  if (leaf === 'w' || leaf === 'b') return { module: parent, param: leaf === 'w' ? 'weight' : 'bias' };
  if (leaf === 'in_proj_weight' || leaf === 'in_proj_bias') return { module: `${parent}.in_proj`, param: leaf.slice(8) };
  return { module: parent, param: leaf };
}

/** Is this checkpoint a transformer at all? (an attention projection somewhere) */
export function looksLikeTransformer(tensors: TensorDesc[]): boolean {
  return tensors.some((t) => {
    const parts = strip(t.name).split('.');
    const leaf = parts[parts.length - 1];
    if (/^_?W_[QKV]$/.test(leaf) || leaf === 'in_proj_weight') return true;
    const mod = leaf === 'weight' ? parts[parts.length - 2] : null;
    if (!mod) return false;
    const role = PROJECTION_LEAVES[mod.toLowerCase()];
    if (role === 'qkv' || role === 'q') return parts.slice(0, -2).some((p) => ATTENTION_CONTEXT.test(p)) || mod === 'c_attn' || mod.endsWith('qkv') || mod === 'q_proj' || mod === 'wq' || mod === 'query';
    return false;
  });
}

function strip(name: string): string {
  for (const w of WRAPPER_PREFIXES) if (name.startsWith(w)) return name.slice(w.length);
  return name;
}

/**
 * Recognise a transformer's blocks. Returns null when the names hold no attention projection
 * (not a transformer: the chain inference applies).
 */
export function recognizeTransformer(tensors: TensorDesc[], config: Record<string, unknown> | null): Recognition | null {
  if (!looksLikeTransformer(tensors)) return null;
  const notes: string[] = [];
  const buffers: string[] = [];
  const embeddings: string[] = [];
  const unplaced: string[] = [];

  // 1. modules, split into per-layer blocks (the first numeric path component) and globals
  const layerModules = new Map<string, Map<string, Module>>(); // block key → module path (relative) → module
  const globalModules = new Map<string, Module>();
  const addTo = (map: Map<string, Module>, path: string, param: string, t: TensorDesc) => {
    let m = map.get(path);
    if (!m) map.set(path, (m = { path, weight: null, bias: null, other: [] }));
    if (param === 'weight' && !m.weight) m.weight = t;
    else if (param === 'bias' && !m.bias) m.bias = t;
    else m.other.push(t);
  };
  for (const t of tensors) {
    const name = strip(t.name);
    const parts = name.split('.');
    const leaf = parts[parts.length - 1];
    // causal-mask buffers: `attn.bias` of nanoGPT/HF GPT-2 ([1, 1, T, T]); TransformerLens mask/IGNORE; rotary tables
    if (BUFFER_LEAVES.has(leaf) || (leaf === 'bias' && t.shape.length >= 3) || (leaf === 'bias' && parts.length >= 2 && ATTENTION_CONTEXT.test(parts[parts.length - 2]) && t.shape.length !== 1)) {
      buffers.push(t.name);
      continue;
    }
    const at = parts.findIndex(isIndex);
    const { module, param } = splitName(name);
    const desc = { ...t };
    if (at < 0 || at === parts.length - 1) {
      addTo(globalModules, module, param, desc);
      continue;
    }
    const key = parts.slice(0, at + 1).join('.');
    const rel = module.slice(key.length + 1);
    let mods = layerModules.get(key);
    if (!mods) layerModules.set(key, (mods = new Map()));
    addTo(mods, rel, param, desc);
  }

  // a numbered container without attention or MLP parts (e.g. `mlp_head.1`) holds globals
  for (const [key, mods] of [...layerModules]) {
    const hasProjection = [...mods.values()].some((m) => m.weight && m.weight.shape.length >= 2);
    const containerHasAttention = [...layerModules.keys()].some((k) => container(k) === container(key) && [...layerModules.get(k)!.keys()].some(isAttentionPath));
    if (!hasProjection || !containerHasAttention) {
      layerModules.delete(key);
      for (const m of mods.values()) {
        const path = m.path ? `${key}.${m.path}` : key;
        globalModules.set(path, { ...m, path });
      }
    }
  }

  const hyper = hyperparametersFromConfig(config);

  // 2. model width: config, else the commonest norm width in the blocks, else the token embedding
  const normWidths = new Map<number, number>();
  for (const mods of layerModules.values()) for (const m of mods.values()) {
    if (m.weight?.shape.length === 1 && !m.other.length) normWidths.set(m.weight.shape[0], (normWidths.get(m.weight.shape[0]) ?? 0) + 1);
  }
  const tokenEmbedding = [...globalModules.values()].find((m) => (TOKEN_EMBEDDINGS.has(leafOf(m.path)) || m.path === 'embed.E') && m.weight?.shape.length === 2);
  let dModel: number | null = hyper.dModel?.value ?? null;
  if (dModel === null && normWidths.size) {
    dModel = [...normWidths].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
    hyper.dModel = { value: dModel, source: 'shapes' };
  }
  if (dModel === null && tokenEmbedding?.weight) {
    dModel = tokenEmbedding.weight.shape[1];
    hyper.dModel = { value: dModel, source: 'shapes' };
  }
  if (dModel === null) throw new ArchitectureError('transformer names found, but the model width is neither in config.json (n_embd / hidden_size / d_model) nor determined by a norm or embedding shape', tensors.map((t) => t.name));

  // 3. family (for defaults and labels)
  const allNames = tensors.map((t) => strip(t.name));
  const has = (re: RegExp) => allNames.some((n) => re.test(n));
  let family: Family = 'generic';
  if (has(/(^|\.)_?W_[QKV]$/) || has(/(^|\.)embed\.W_E$/)) family = 'transformer-lens';
  else if (has(/\.attn\.c_attn\.weight$/)) {
    const w = tensors.find((t) => /\.attn\.c_attn\.weight$/.test(t.name))!;
    family = w.shape[0] === dModel && w.shape[1] !== dModel ? 'gpt2-hf' : 'nanogpt';
  } else if (has(/\.attention\.attention\.query\.weight$/)) family = has(/\.(norm1|layer_scale1)\./) ? 'dinov2-hf' : 'vit-hf';
  else if (has(/\.self_attn\.q_proj\.weight$/) && has(/\.mlp\.gate_proj\.weight$/)) family = 'llama-hf';
  else if (has(/\.attention\.wq\.weight$/) && has(/\.feed_forward\.w1\.weight$/)) family = 'llama-meta';
  else if (has(/\.fn\.fn\.to_qkv\.weight$/) && has(/^to_patch_embedding\.\d+\.weight$/)) family = 'vit-pytorch';
  else if (has(/(^|\.)blocks\.\d+\.attn\.qkv\.weight$/) && has(/(^|\.)patch_embed\.proj\.weight$/)) family = 'timm-vit';
  else if (has(/^token_embedding_table\.weight$/) && has(/\.sa\.heads\.\d+\.query\.weight$/) && has(/\.ffwd\.net\.\d+\.weight$/)) family = 'gpt-lecture';

  // HF LLaMA-style names with bias-free norms are RMSNorms (GPT-NeoX's LayerNorms of the same names carry biases)
  const llamaNames = has(/\.input_layernorm\.weight$/) && !has(/\.input_layernorm\.bias$/);
  // T5's `layer_norm` (T5LayerNorm) is an RMSNorm: no bias, no mean subtracted; its attention names are capitalised
  const t5Names = has(/\.(SelfAttention|EncDecAttention)\.q\.weight$/) || /^(t5|mt5|umt5|longt5)$/.test(String(config?.model_type ?? ''));
  const rmsEvidence = family === 'llama-hf' || family === 'llama-meta' || llamaNames || t5Names || (config !== null && ('rms_norm_eps' in config || /rms/i.test(String(config.normalization_type ?? ''))));
  const normKind: 'layernorm' | 'rmsnorm' = rmsEvidence ? 'rmsnorm' : 'layernorm';

  // 4. stored layout: TransformerLens by name; otherwise by which axis has the model width, a
  //    square weight following the checkpoint's own convention (voted over the non-square ones)
  let inOutVotes = 0, outInVotes = 0;
  for (const mods of layerModules.values()) for (const m of mods.values()) {
    const s = m.weight?.shape;
    if (!s || s.length !== 2 || s[0] === s[1]) continue;
    const role = roleOf(m.path, mods);
    if (role === 'q' || role === 'k' || role === 'v' || role === 'qkv' || role === 'up' || role === 'gate' || role === 'gate_up') {
      if (s[1] === dModel) outInVotes++;
      else if (s[0] === dModel) inOutVotes++;
    } else if (role === 'o' || role === 'down') {
      if (s[0] === dModel) outInVotes++;
      else if (s[1] === dModel) inOutVotes++;
    }
  }
  const convention: LinearLayout = family === 'transformer-lens' || inOutVotes > outInVotes ? 'in-out' : 'out-in';

  const linear = (m: Module, side: 'reads-model' | 'writes-model', key = ''): LinearRef | null => {
    const w = m.weight;
    const module = key && m.path ? `${key}.${m.path}` : key || m.path;
    if (!w) return null;
    const bias = m.bias?.name ?? null;
    if (w.shape.length === 3) {
      // TransformerLens: W_Q/W_K/W_V [H, d_in, d_head]; W_O [H, d_head, d_out]
      const [h, a, b] = w.shape;
      if (side === 'reads-model') return { module, weight: w.name, bias, layout: 'heads', inFeatures: a, outFeatures: h * b };
      return { module, weight: w.name, bias, layout: 'in-out', inFeatures: h * a, outFeatures: b };
    }
    if (w.shape.length !== 2) return null;
    const [a, b] = w.shape;
    let layout: LinearLayout;
    if (family === 'transformer-lens') layout = 'in-out';
    else if (a === b) layout = convention;
    else if (side === 'reads-model') layout = b === dModel ? 'out-in' : a === dModel ? 'in-out' : convention;
    else layout = a === dModel ? 'out-in' : b === dModel ? 'in-out' : convention;
    return layout === 'out-in'
      ? { module, weight: w.name, bias, layout, inFeatures: b, outFeatures: a }
      : { module, weight: w.name, bias, layout, inFeatures: a, outFeatures: b };
  };
  const norm = (m: Module, key: string): NormRef => ({
    module: key && m.path ? `${key}.${m.path}` : key || m.path, kind: m.bias ? 'layernorm' : normKind, weight: m.weight?.name ?? null, bias: m.bias?.name ?? null,
    width: (m.weight ?? m.bias)!.shape[0],
  });

  // 5. blocks, in natural order of their keys
  const blocks: Block[] = [];
  const keys = [...layerModules.keys()].sort(naturalCompare);
  const normsOfLayer = new Map<string, Module[]>();
  for (const key of keys) {
    const mods = layerModules.get(key)!;
    const used = new Set<string>();
    const attn = new Map<string, { cross: boolean; projections: AttentionBlock['projections']; norm: NormRef | null }>();
    const mlpParts = new Map<string, { up?: Module; gate?: Module; down?: Module; gateUp?: Module; seq: Module[] }>();
    const norms: Module[] = [];
    normsOfLayer.set(key, norms);
    const scales: Module[] = [];
    for (const m of [...mods.values()].sort((x, y) => naturalCompare(x.path, y.path))) {
      const dims = (m.weight ?? m.bias)?.shape.length ?? 0;
      // T5's learned relative-position buckets [buckets, heads]: a position table of the attention, outside every block read
      if (leafOf(m.path) === 'relative_attention_bias') { embeddings.push(...tensorNames(m)); used.add(m.path); continue; }
      if (m.other.some((t) => LAYER_SCALE_PARAMS.has(t.name.split('.').pop()!)) && !m.weight) { scales.push(m); used.add(m.path); continue; }
      if (dims === 1 && !m.other.length) { norms.push(m); used.add(m.path); continue; }
      const role = roleOf(m.path, mods);
      if (!role) continue;
      used.add(m.path);
      if (role === 'q' || role === 'k' || role === 'v' || role === 'qkv' || role === 'o') {
        const { group, head } = attentionGroup(m.path);
        let a = attn.get(group);
        if (!a) attn.set(group, (a = { cross: group.split('.').some((p) => CROSS_CONTEXT.test(p)), projections: [], norm: null }));
        const lin = linear(m, role === 'o' ? 'writes-model' : 'reads-model', key);
        if (lin) a.projections.push({ role, head, linear: lin });
        else used.delete(m.path);
      } else {
        const parent = mlpGroup(m.path);
        let p = mlpParts.get(parent);
        if (!p) mlpParts.set(parent, (p = { seq: [] }));
        if (role === 'seq') p.seq.push(m);
        else if (role === 'up') p.up = m;
        else if (role === 'gate') p.gate = m;
        else if (role === 'down') p.down = m;
        else p.gateUp = m;
      }
    }
    // norms: by name, else the sub-block they share a parent with (nested PreNorm wrappers), else
    // the first module of a Sequential MLP
    let attnNorm = norms.find((n) => ATTENTION_NORMS.has(leafOf(n.path)));
    let crossNorm = norms.find((n) => CROSS_NORMS.has(leafOf(n.path)));
    let mlpNorm = norms.find((n) => MLP_NORMS.has(leafOf(n.path)));
    if (mods.has('linear1')) {
      // torch nn.Transformer*Layer: norm1/norm2(/norm3) sit before the sub-blocks only with norm_first=True
      if (config?.norm_first === true) {
        const byLeaf = (l: string) => norms.find((n) => n.path === l);
        const hasCross = [...attn.values()].some((a) => a.cross);
        attnNorm = byLeaf('norm1');
        crossNorm = hasCross ? byLeaf('norm2') : undefined;
        mlpNorm = hasCross ? byLeaf('norm3') : byLeaf('norm2');
      } else {
        attnNorm = crossNorm = mlpNorm = undefined;
        norms.length = 0;
        notes.push(`${key}: torch nn.Transformer layer names; its norms follow the sub-blocks unless norm_first is true in config.json, so they are not paired with them`);
      }
    }
    const assignNorm = (target: string): Module | null => {
      let best: Module | null = null, bestLen = 0;
      for (const n of norms) {
        if (ATTENTION_NORMS.has(leafOf(n.path)) || MLP_NORMS.has(leafOf(n.path)) || CROSS_NORMS.has(leafOf(n.path))) continue;
        const parent = n.path.split('.').slice(0, -1).join('.');
        if (parent && (target === parent || target.startsWith(`${parent}.`)) && parent.length > bestLen) { best = n; bestLen = parent.length; }
      }
      return best;
    };
    for (const [group, a] of attn) {
      const byName = a.cross ? crossNorm : attnNorm;
      const n = byName ?? assignNorm(group);
      if (n && n.weight?.shape[0] === dModel) a.norm = norm(n, key);
      const ls = scales.find((s) => /1$/.test(leafOf(s.path)) || /ls1|layer_scale1/.test(s.path)) ?? null;
      blocks.push({ kind: 'attention', name: `${key}.${group}`, norm: a.norm, cross: a.cross, projections: a.projections, layerScale: ls && !a.cross ? scaleTensor(ls) : null });
    }
    for (const [parent, p] of mlpParts) {
      let up = p.up, down = p.down, gate = p.gate, nrm: Module | null = null;
      // Meta names: w1 is the gate only where w3 (up) exists; a lone w1/w2 pair is a plain MLP
      if (gate && !up && !p.gateUp && leafOf(gate.path) === 'w1') { up = gate; gate = undefined; }
      if (p.seq.length) {
        const seq = p.seq.sort((x, y) => naturalCompare(x.path, y.path));
        const lins = seq.filter((m) => m.weight?.shape.length === 2);
        if (lins.length === 2) { up = lins[0]; down = lins[1]; }
        for (const m of seq) used.add(m.path);
        // a norm in the same Sequential before the first map (`net.0` LayerNorm, `net.1` Linear, …)
        const firstIndex = Number(leafOf(lins[0]?.path ?? '0'));
        const inner = norms.filter((n) => n.path.split('.').slice(0, -1).join('.') === parent && isIndex(leafOf(n.path)) && Number(leafOf(n.path)) < firstIndex);
        if (inner.length) nrm = inner[inner.length - 1];
      }
      nrm ??= mlpNorm ?? assignNorm(parent);
      const upRef = up ? linear(up, 'reads-model', key) : p.gateUp ? linear(p.gateUp, 'reads-model', key) : null;
      const downRef = down ? linear(down, 'writes-model', key) : null;
      if (!upRef || !downRef) {
        for (const m of [up, down, gate, p.gateUp, ...p.seq]) if (m) unplaced.push(...tensorNames(m));
        notes.push(`${key}.${parent}: an MLP without both an input and an output map was not recognised`);
        continue;
      }
      const gateRef = gate ? linear(gate, 'reads-model', key) : null;
      const hidden = p.gateUp ? upRef.outFeatures / 2 : upRef.outFeatures;
      if (downRef.inFeatures !== hidden || (gateRef && gateRef.outFeatures !== hidden)) {
        notes.push(`${key}.${parent}: MLP widths do not chain (${describeLinear(upRef)}, ${describeLinear(downRef)})`);
        for (const m of [up, down, gate, p.gateUp]) if (m) unplaced.push(...tensorNames(m));
        continue;
      }
      const scale = scales.find((s) => /2$/.test(leafOf(s.path)) || /ls2|layer_scale2/.test(s.path)) ?? null;
      blocks.push({
        kind: 'mlp', name: `${key}${parent ? `.${parent}` : ''}`, norm: nrm && (nrm.weight ?? nrm.bias)!.shape[0] === upRef.inFeatures ? norm(nrm, key) : null,
        up: upRef, gate: gateRef, fusedGateUp: !!p.gateUp, down: downRef,
        layerScale: scale ? scaleTensor(scale) : null,
      });
    }
    for (const s of scales) embeddings.push(...tensorNames(s));
    for (const m of mods.values()) if (!used.has(m.path)) unplaced.push(...tensorNames(m));
  }

  // 6. globals: embeddings, final norm, unembedding / classifier
  let finalNorm: Module | null = null;
  let unembed: Module | null = null;
  for (const m of [...globalModules.values()].sort((x, y) => naturalCompare(x.path, y.path))) {
    const leaf = leafOf(m.path);
    const dims = (m.weight ?? m.bias)?.shape.length ?? 0;
    // several final norms (encoder–decoder): the decoder's feeds the head
    if (dims === 1 && !m.other.length && FINAL_NORMS.has(leaf) && (m.weight ?? m.bias)!.shape[0] === dModel) {
      if (finalNorm) embeddings.push(...tensorNames(/decoder/.test(finalNorm.path) ? m : finalNorm));
      if (!finalNorm || !/decoder/.test(finalNorm.path)) finalNorm = m;
    }
    else if (m !== tokenEmbedding && m.weight?.shape.length === 2 && (UNEMBEDDINGS.has(leaf) || m.path.split('.').some((p) => UNEMBEDDINGS.has(p))) && !TOKEN_EMBEDDINGS.has(leaf)) unembed = m;
    else embeddings.push(...tensorNames(m));
  }
  // minGPT/nanoGPT and HF GPT-2 tie lm_head to wte unless config.json says otherwise
  if (!hyper.tiedEmbeddings && (family === 'gpt2-hf' || family === 'nanogpt')) hyper.tiedEmbeddings = { value: true, source: 'family default' };
  const tiedConfig = hyper.tiedEmbeddings?.value ?? null;
  // a Sequential head (`mlp_head.0` LayerNorm, `mlp_head.1` Linear): the norm in front of it
  if (unembed && !finalNorm && isIndex(leafOf(unembed.path))) {
    const parent = unembed.path.split('.').slice(0, -1).join('.');
    const before = globalModules.get(`${parent}.${Number(leafOf(unembed.path)) - 1}`);
    if (before && (before.weight ?? before.bias)?.shape.length === 1 && (before.weight ?? before.bias)!.shape[0] === dModel) {
      finalNorm = before;
      const at = embeddings.indexOf(before.weight?.name ?? before.bias!.name);
      if (at >= 0) embeddings.splice(at, tensorNames(before).length);
    }
  }
  if (!unembed && tokenEmbedding?.weight && tiedConfig === true) {
    const w = tokenEmbedding.weight;
    blocks.push({
      kind: 'head', name: 'unembedding', norm: finalNorm ? norm(finalNorm, '') : null,
      linear: { module: tokenEmbedding.path, weight: w.name, bias: null, layout: 'out-in', inFeatures: w.shape[1], outFeatures: w.shape[0] },
      tiedTo: w.name, pooled: false,
    });
    notes.push(`the unembedding is tied to ${w.name}`);
  } else if (unembed) {
    const lin = linear(unembed, 'reads-model');
    if (lin && (!finalNorm || lin.inFeatures === dModel)) {
      const tied = tokenEmbedding?.weight && tiedConfig === true ? tokenEmbedding.weight.name : null;
      blocks.push({ kind: 'head', name: unembed.path, norm: finalNorm ? norm(finalNorm, '') : null, linear: lin, tiedTo: tied, pooled: false });
    } else if (lin && finalNorm && family === 'dinov2-hf' && lin.inFeatures === 2 * dModel) {
      // Dinov2ForImageClassification: classifier(cat[h[0], h[1:].mean(0)]), h the normed last hidden state
      blocks.push({ kind: 'head', name: unembed.path, norm: norm(finalNorm, ''), linear: lin, tiedTo: null, pooled: true });
      notes.push(`${unembed.path} reads the CLS token and the mean of the patch tokens (${lin.inFeatures} = 2 × ${dModel} features), as Dinov2ForImageClassification`);
    } else {
      embeddings.push(...tensorNames(unembed));
      if (lin) notes.push(`${unembed.path} reads ${lin.inFeatures} features, not the model width ${dModel} (e.g. CLS and mean-pooled patches): not read block-locally`);
    }
  } else if (finalNorm) embeddings.push(...tensorNames(finalNorm));

  // 6b. HF encoder–decoders named as BART (`self_attn_layer_norm`, `encoder_attn_layer_norm`,
  //     `final_layer_norm` in each layer): where each norm sits depends on the model type, which
  //     the names do not show — BART and Marian add them after each sub-block (post-norm), mBART,
  //     Pegasus, Blenderbot and M2M100 before it (pre-norm) — so they are paired only where
  //     config.json's model_type says which.
  const modelType = String(config?.model_type ?? '');
  const seq2seq = POST_NORM_SEQ2SEQ.has(modelType) ? 'post' : PRE_NORM_SEQ2SEQ.has(modelType) ? 'pre' : null;
  if (seq2seq && [...normsOfLayer.values()].some((ns) => ns.some((n) => n.path === 'self_attn_layer_norm'))) {
    const layerNorm = (key: string | undefined, leaf: string) => (key === undefined ? undefined : normsOfLayer.get(key)?.find((n) => n.path === leaf));
    const ref = (key: string, m: Module | undefined): NormRef | null => (m && (m.weight ?? m.bias)!.shape[0] === dModel ? norm(m, key) : null);
    const globalNorm = (path: string) => {
      const m = globalModules.get(path);
      if (!m || (m.weight ?? m.bias)?.shape.length !== 1) return null;
      const at = embeddings.indexOf((m.weight ?? m.bias)!.name);
      if (at >= 0) embeddings.splice(at, tensorNames(m).length);
      return ref('', m);
    };
    const stacks = new Map<string, string[]>();
    for (const k of keys) stacks.set(container(k), [...(stacks.get(container(k)) ?? []), k]);
    for (const [stack, layers] of stacks) {
      const root = stack.split('.').slice(0, -1).join('.');
      layers.forEach((key, i) => {
        const decoder = layers.some((k) => layerNorm(k, 'encoder_attn_layer_norm'));
        for (const b of blocks) {
          if (b.kind === 'head' || !(b.name === key || b.name.startsWith(`${key}.`))) continue;
          if (seq2seq === 'pre') {
            b.norm = b.kind === 'mlp' ? ref(key, layerNorm(key, 'final_layer_norm')) : ref(key, layerNorm(key, b.cross ? 'encoder_attn_layer_norm' : 'self_attn_layer_norm'));
          } else if (b.kind === 'mlp') {
            b.norm = ref(key, layerNorm(key, decoder ? 'encoder_attn_layer_norm' : 'self_attn_layer_norm'));
          } else if (b.cross) {
            b.norm = ref(key, layerNorm(key, 'self_attn_layer_norm'));
          } else {
            b.norm = i === 0 ? globalNorm(`${root}.layernorm_embedding`) : ref(layers[i - 1], layerNorm(layers[i - 1], 'final_layer_norm'));
          }
        }
      });
      // post-norm: the last layer's final_layer_norm is the stack's output (the decoder's feeds the head)
      const head = blocks.find((b): b is HeadBlock => b.kind === 'head');
      if (head && !head.norm && /decoder/.test(stack)) {
        // pre-norm stacks end in their own `layer_norm`
        head.norm = seq2seq === 'post' ? ref(layers[layers.length - 1], layerNorm(layers[layers.length - 1], 'final_layer_norm')) : globalNorm(`${root}.layer_norm`);
      }
    }
    notes.push(`${modelType}: the layers' norms sit ${seq2seq === 'post' ? 'after' : 'before'} their sub-blocks (${seq2seq}-norm)`);
  }

  // 7. hyperparameters the shapes determine, then family defaults (each with its source)
  const fromShapes = <T>(v: T | null): Known<T> | null => (v === null ? null : { value: v, source: 'shapes' });
  const fromFamily = <T>(v: T): Known<T> => ({ value: v, source: 'family default' });
  const attnBlocks = blocks.filter((b): b is AttentionBlock => b.kind === 'attention');
  const tlQ = attnBlocks.flatMap((b) => b.projections).find((p) => p.role === 'q' && p.linear.layout === 'heads');
  const perHead = attnBlocks.find((b) => b.projections.some((p) => p.head !== null));
  const containers = new Map<string, number>();
  for (const k of keys) containers.set(container(k), (containers.get(container(k)) ?? 0) + 1);
  hyper.nLayers ??= fromShapes(containers.size ? Math.max(...containers.values()) : null);
  if (!hyper.nHeads) {
    if (tlQ) hyper.nHeads = fromShapes(tensors.find((t) => t.name === tlQ.linear.weight)!.shape[0]);
    else if (perHead) hyper.nHeads = fromShapes(new Set(perHead.projections.filter((p) => p.role === 'q').map((p) => p.head)).size);
  }
  if (!hyper.dHead && hyper.nHeads) {
    const q = attnBlocks[0]?.projections.find((p) => p.role === 'q' || p.role === 'qkv');
    const qWidth = q ? (q.role === 'qkv' ? q.linear.outFeatures / 3 : q.linear.outFeatures) : dModel;
    hyper.dHead = fromShapes(q && q.head !== null ? q.linear.outFeatures : qWidth / hyper.nHeads.value);
  }
  if (!hyper.nKeyValueHeads && hyper.dHead) {
    const k = attnBlocks[0]?.projections.find((p) => p.role === 'k' && p.head === null);
    if (k) hyper.nKeyValueHeads = fromShapes(k.linear.outFeatures / hyper.dHead.value);
  }
  const tokenShape = tokenEmbedding?.weight?.shape;
  hyper.vocab ??= fromShapes(tokenShape ? tokenShape[0] : null);
  // a table stored as a bare parameter (`embeddings.position_embeddings`, vit-pytorch's top-level `pos_embedding`)
  // timm's `pos_embed` is a bare parameter [1, T, D]
  const POSITION_PARAM = /(position_embeddings|(^|\.)pos_embedding|(^|\.)pos_embed)$/;
  const pos = [...globalModules.values()].find((m) => /(wpe|pos_embed\.pos|position_embeddings?|position_embedding_table|pos_emb(edding)?)$/.test(m.path) || m.other.some((t) => POSITION_PARAM.test(strip(t.name))));
  const posShape = (pos?.weight ?? pos?.other.find((t) => POSITION_PARAM.test(strip(t.name))) ?? pos?.other[0])?.shape;
  const patch = [...globalModules.values()].find((m) => /patch_embed(dings)?\.(projection|proj)$/.test(m.path) && m.weight?.shape.length === 4);
  if (patch?.weight) hyper.patchSize ??= fromShapes(patch.weight.shape[2]);
  // vit-pytorch: `to_patch_embedding` = Sequential(Rearrange, Linear) — one linear on p·p·C patch features
  const patchModules = family === 'vit-pytorch' ? [...globalModules.values()].filter((m) => /^to_patch_embedding\.\d+$/.test(m.path)) : [];
  const linearPatch = patchModules.length === 1 && patchModules[0].weight?.shape.length === 2 ? patchModules[0] : null;
  if (linearPatch?.weight && !hyper.patchSize) {
    const channels = typeof config?.channels === 'number' ? config.channels : 3;
    const side = Math.round(Math.sqrt(linearPatch.weight.shape[1] / channels));
    if (side * side * channels === linearPatch.weight.shape[1]) hyper.patchSize = typeof config?.channels === 'number' ? fromShapes(side) : fromFamily(side);
  }
  if (posShape && !patch && !linearPatch) hyper.context ??= fromShapes(posShape[posShape.length - 2]);
  if (posShape && linearPatch && hyper.patchSize && !hyper.imageSize) {
    const side = Math.round(Math.sqrt(posShape[posShape.length - 2] - 1));
    if (side * side === posShape[posShape.length - 2] - 1) hyper.imageSize = fromShapes(side * hyper.patchSize.value);
  }
  if (posShape && patch?.weight && !hyper.imageSize) {
    const tokens = posShape[posShape.length - 2] - 1;
    const side = Math.round(Math.sqrt(tokens));
    if (side * side === tokens) hyper.imageSize = fromShapes(side * patch.weight.shape[2]);
  }
  const eps: Record<Family, number> = { 'gpt2-hf': 1e-5, nanogpt: 1e-5, 'transformer-lens': 1e-5, 'vit-hf': 1e-12, 'dinov2-hf': 1e-6, 'llama-hf': 1e-6, 'llama-meta': 1e-5, 'gpt-lecture': 1e-5, 'vit-pytorch': 1e-5, 'timm-vit': 1e-6, generic: 1e-5 };
  hyper.normEps ??= fromFamily(eps[family]);
  const act: Record<Family, Activation> = { 'gpt2-hf': 'gelu_tanh', nanogpt: 'gelu', 'transformer-lens': 'gelu', 'vit-hf': 'gelu', 'dinov2-hf': 'gelu', 'llama-hf': 'silu', 'llama-meta': 'silu', 'gpt-lecture': 'relu', 'vit-pytorch': 'gelu', 'timm-vit': 'gelu', generic: 'gelu' };
  hyper.activation ??= fromFamily(act[family]);
  const causal: Partial<Record<Family, boolean>> = { 'gpt2-hf': true, nanogpt: true, 'llama-hf': true, 'llama-meta': true, 'gpt-lecture': true, 'vit-pytorch': false, 'vit-hf': false, 'dinov2-hf': false, 'timm-vit': false };
  if (!hyper.causal) {
    const dir = config?.attention_dir;
    if (dir === 'causal' || dir === 'bidirectional') hyper.causal = { value: dir === 'causal', source: 'config' };
    else if (causal[family] !== undefined) hyper.causal = fromFamily(causal[family]!);
    else if (family === 'transformer-lens') hyper.causal = fromFamily(true);
    else if (buffers.some((b) => /(attn\.bias|mask|tril)$/.test(b))) hyper.causal = fromShapes(true);
  }
  // the lecture's Head scales its scores by C**-0.5, C = n_embd (not the head width)
  if (family === 'gpt-lecture') hyper.attentionScale ??= fromFamily(1 / Math.sqrt(dModel));
  // TransformerLens says rotary in positional_embedding_type (its config always carries rotary_base):
  // rotary_adjacent_pairs picks interleaved pairs, else the half split; rotary_dim of each head's d_head turn
  const tlRotary = family === 'transformer-lens' && config?.positional_embedding_type === 'rotary';
  if (tlRotary && typeof config?.rotary_base === 'number') hyper.ropeTheta ??= { value: config.rotary_base, source: 'config' };
  const rotary = family === 'llama-hf' ? 'half-split' : family === 'llama-meta' ? 'interleaved'
    : tlRotary ? (config?.rotary_adjacent_pairs === true ? 'interleaved' : 'half-split')
    : family !== 'transformer-lens' && hyper.ropeTheta ? 'half-split' : null;
  if (rotary) hyper.ropeTheta ??= fromFamily(10000);
  const rotaryFraction = typeof config?.partial_rotary_factor === 'number' ? config.partial_rotary_factor
    : tlRotary && typeof config?.rotary_dim === 'number' && hyper.dHead ? config.rotary_dim / hyper.dHead.value : 1;
  const posTensor = pos?.weight ?? pos?.other.find((t) => POSITION_PARAM.test(strip(t.name))) ?? null;
  const cls = [...globalModules.values()].flatMap((m) => [m.weight, ...m.other]).find((t) => t && /(^|\.)cls_token$/.test(t.name)) ?? null;
  const inputs: Recognition['inputs'] = {
    tokenEmbedding: tokenEmbedding?.weight?.name ?? null,
    positionEmbedding: posTensor?.name ?? null,
    patchEmbedding: patch?.weight ? { kind: 'conv', module: patch.path, weight: patch.weight.name, bias: patch.bias?.name ?? null }
      : linearPatch?.weight ? { kind: 'linear', module: linearPatch.path, weight: linearPatch.weight.name, bias: linearPatch.bias?.name ?? null } : null,
    clsToken: cls?.name ?? null,
    registerTokens: [...globalModules.values()].flatMap((m) => [m.weight, ...m.other]).find((t) => t && /(^|\.)register_tokens$/.test(t.name))?.name ?? null,
  };

  if (!hyper.nHeads) notes.push('number of heads unknown (set n_head / num_attention_heads in config.json): needed for a whole-network read');
  let finalNormRef = finalNorm ? norm(finalNorm, '') : null;
  // TransformerLens's normalization_type: "LNPre"/"RMSPre" are its norms with γ and β folded into the
  // maps after them (HookedTransformer.from_pretrained's default), so they store no tensors; null is
  // no norm at all (the grokking models). Said only by config.json, and only where no norm is stored.
  let normFree = false;
  const tlNorms = family === 'transformer-lens' && config !== null && 'normalization_type' in config && !finalNormRef && blocks.every((b) => !b.norm) ? config.normalization_type : undefined;
  if (tlNorms === 'LNPre' || tlNorms === 'RMSPre') {
    const pre = (module: string): NormRef => ({ module, kind: tlNorms === 'LNPre' ? 'layernorm' : 'rmsnorm', weight: null, bias: null, width: dModel });
    const parent = (name: string) => name.split('.').slice(0, -1).join('.');
    finalNormRef = pre('ln_final');
    for (const b of blocks) b.norm = b.kind === 'attention' ? pre(`${parent(b.name)}.ln1`) : b.kind === 'mlp' ? pre(`${parent(b.name)}.ln2`) : finalNormRef;
    notes.push(`normalization_type ${tlNorms}: ${tlNorms === 'LNPre' ? 'each LayerNorm centres and normalises without γ and β' : 'each RMSNorm normalises without γ'} (folded into the maps after it)`);
  } else if (tlNorms === null) {
    normFree = true;
    notes.push('normalization_type null: no norms (the residual stream goes straight into attention, the MLPs and the unembedding)');
  }
  return { family, label: FAMILY_LABELS[family], dModel, normKind, blocks, embeddings, buffers, unplaced, hyper, rotary, rotaryFraction, inputs, finalNorm: finalNormRef, normFree, notes };
}

type Role = Projection | MlpRole | 'seq';
/** attention names even without an attention-named parent (`layers.N.0.fn.fn.to_qkv`) */
const UNAMBIGUOUS_ATTENTION = new Set(['c_attn', 'qkv', 'qkv_proj', 'to_qkv', 'wqkv', 'query_key_value', 'in_proj', 'q_proj', 'k_proj', 'v_proj', 'o_proj', 'to_q', 'to_k', 'to_v', 'to_out', 'out_proj', 'query', 'key', 'value', 'wq', 'wk', 'wv']);

function isAttentionPath(path: string): boolean {
  const parts = path.split('.');
  const leaf = parts[parts.length - 1];
  return parts.slice(0, -1).some((p) => ATTENTION_CONTEXT.test(p)) || UNAMBIGUOUS_ATTENTION.has(leaf.toLowerCase()) || /^[QKV]$/.test(leaf);
}

/** The role of a 2-D module inside a block, from its name and its parents' names. */
function roleOf(path: string, mods: Map<string, Module>): Role | null {
  const parts = path.split('.');
  let leaf = parts[parts.length - 1];
  let parents = parts.slice(0, -1);
  // `to_out.0` (Sequential(Linear, Dropout)) names the Linear by its container
  if (isIndex(leaf) && parents.length && PROJECTION_LEAVES[parents[parents.length - 1].toLowerCase()] === 'o') {
    leaf = parents[parents.length - 1];
    parents = parents.slice(0, -1);
  }
  if (UNAMBIGUOUS_ATTENTION.has(leaf.toLowerCase())) return PROJECTION_LEAVES[leaf.toLowerCase()];
  const lower = leaf.toLowerCase();
  const inAttention = parents.some((p) => ATTENTION_CONTEXT.test(p));
  // TransformerLens: attn.Q/K/V/O, mlp.in/out/gate
  if (/^[QKVO]$/.test(leaf)) return leaf.toLowerCase() as Projection;
  if (inAttention) {
    // ViT: attention.output.dense is the output projection
    return PROJECTION_LEAVES[lower] ?? null;
  }
  if (lower === 'in') return 'up';
  if (lower === 'out') return 'down';
  if (lower === 'gate') return 'gate';
  if (isIndex(leaf)) return 'seq';
  // ViT: intermediate.dense (up) and output.dense (down)
  if (lower === 'dense' && parents[parents.length - 1] === 'intermediate') return 'up';
  if (lower === 'dense' && parents[parents.length - 1] === 'output') return 'down';
  if (lower === 'w1' && !mods.has([...parents, 'w3'].join('.'))) return 'up';
  return MLP_LEAVES[lower] ?? null;
}

/** Attention module path (per-head modules `heads.H.query` share `…heads`'s parent). */
function attentionGroup(path: string): { group: string; head: number | null } {
  const parts = path.split('.');
  const h = parts.findIndex((p, i) => /^heads?$/i.test(p) && isIndex(parts[i + 1] ?? ''));
  if (h >= 0) return { group: parts.slice(0, h).join('.') || 'attention', head: Number(parts[h + 1]) };
  let end = parts.length - 1;
  if (isIndex(parts[end]) && end > 0) end--; // to_out.0
  // ViT: attention.attention.query and attention.output.dense are one attention layer
  const group = parts.slice(0, end).filter((p, i, a) => !(p === 'output' && i === a.length - 1) && !(i === a.length - 1 && p === 'attention' && a[i - 1] === 'attention')).join('.');
  return { group: group || 'attention', head: null };
}

/** MLP module path: the parent of the up/down maps (a Sequential's parent for numbered maps). */
function mlpGroup(path: string): string {
  const parts = path.split('.');
  const parents = parts.slice(0, -1);
  // ViT: intermediate.dense / output.dense belong to the layer itself
  if (parents[parents.length - 1] === 'intermediate' || parents[parents.length - 1] === 'output') return parents.slice(0, -1).join('.');
  if (isIndex(parts[parts.length - 1])) return parents.join('.');
  return parents.join('.');
}

function leafOf(path: string): string {
  const parts = path.split('.');
  return parts[parts.length - 1];
}

function container(key: string): string {
  return key.split('.').slice(0, -1).join('.');
}

function tensorNames(m: Module): string[] {
  return [m.weight, m.bias, ...m.other].filter((t): t is TensorDesc => !!t).map((t) => t.name);
}

function scaleTensor(m: Module): string {
  return m.other[0].name;
}

function describeLinear(l: LinearRef): string {
  return `${l.module}: ${l.inFeatures}→${l.outFeatures}`;
}

function naturalCompare(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    if (isIndex(x[i]) && isIndex(y[i])) return Number(x[i]) - Number(y[i]);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}
