/**
 * Whole-network transformer graphs: from a `Recognition` (families.ts) and config.json to one
 * ModelGraph over the ops of the transformer contract (embedding, positional, attention, take,
 * linear with its stored layout and `positionwise`, slice, patchify, cls, scale, norms, add, mul).
 *
 * Assembled for the wirings whose forward is known exactly: pre-norm residual stacks of
 * GPT-2 (HF Conv1D and minGPT/nanoGPT), TransformerLens, LLaMA (HF half-split and Meta interleaved
 * rotary, GQA, tied or untied lm_head), fused `qkv`/`gate_up` decoders whose config.json names a
 * model type listed in PRE_NORM_DECODERS, and HF ViT / DINOv2 (patch conv, CLS, learned positions,
 * layer scale), and Karpathy's lecture GPT (one module per head, joined by concat). Anything else
 * (other per-head modules, cross-attention, post-norm or unknown wiring)
 * returns why not, and the read falls back to block-local reads (src/read/block-local.ts).
 */
import type { Family, LinearRef, NormRef, Recognition, AttentionBlock, MlpBlock, HeadBlock } from './families.ts';
import { graphError, opTensors, size, valueShapes, type Activation, type GraphNode, type ModelGraph, type Op, type ValueId } from './graph.ts';
import type { TensorDesc } from './infer.ts';
import type { Positions } from '../read/settings.ts';

/** What the graph reads: token ids of a sequence, or images. */
export type TransformerInput =
  | { kind: 'tokens'; length: number; vocab: number; maxLength: number | null }
  | { kind: 'images'; shape: [number, number, number] };

export interface AssembledTransformer {
  recognition: Recognition;
  graph: ModelGraph;
  input: TransformerInput;
  /** what the graph's output is, in words (the JSON's warnings say it) */
  readout: string;
  /** a head the wiring implies (a backbone: regression on its output), else null = the usual rule */
  head: 'regression' | null;
  warnings: string[];
}

/**
 * Why the whole network was not assembled; `missing` names a hyperparameter the user can give and
 * `keys` the config.json keys that give it (the family's own spelling first: the explorer asks for
 * them in a config.json template, `configTemplate`); `badInputs` marks given probe inputs that do
 * not fit the model (the user's mistake, not a fallback).
 */
export interface NotAssembled { why: string; missing: string | null; keys?: string[]; badInputs?: true }

/** The config.json key a family spells the number of heads with. */
function headsKey(rec: Recognition, modelType: string | null): string {
  if (rec.family === 'gpt2-hf' || rec.family === 'nanogpt' || modelType === 'gpt2') return 'n_head';
  if (rec.family === 'transformer-lens' || rec.family === 'llama-meta') return 'n_heads';
  if (rec.family === 'vit-pytorch') return 'heads';
  // timm's VisionTransformer(num_heads=…), DINOv2 hub's DinoVisionTransformer likewise
  if (rec.family === 'timm-vit') return 'num_heads';
  return 'num_attention_heads';
}

export interface AssembleOptions {
  /** explicit activation (flag or UI) */
  activation: Activation | null;
  /** `__metadata__.activation`, parsed */
  metadataActivation: Activation | null;
  /** sequence length of given token inputs (null: synthetic tokens) */
  sequenceLength: number | null;
  /** synthetic tokens: at most this many positions (ReadOptions.contextCap) */
  contextCap: number;
  /** token models: the head reads the last position (`last`) or every position (`all`, the Fisher summed over them) */
  positions?: Positions;
}

/**
 * Generic (role-named) decoders assembled only where config.json's model_type names a pre-norm
 * decoder with rotary positions whose forward is the LLaMA one (fused or split projections).
 * Others of the same names differ in ways the names do not show (Gemma's (1 + γ) norm and
 * embedding scale, GPT-NeoX's interleaved fused qkv and parallel residual), so they stay block-local.
 */
const PRE_NORM_DECODERS = new Set(['llama', 'mistral', 'qwen2', 'phi3']);

const WHOLE_FAMILIES: ReadonlySet<Family> = new Set(['gpt2-hf', 'nanogpt', 'transformer-lens', 'llama-hf', 'llama-meta', 'vit-hf', 'dinov2-hf', 'timm-vit', 'gpt-lecture', 'vit-pytorch']);

export function isAssembled(a: AssembledTransformer | NotAssembled): a is AssembledTransformer {
  return 'graph' in a;
}

/**
 * The whole network of a recognised transformer, or why it cannot be assembled. `tensors` are the
 * checkpoint's (for shapes); `config` the parsed config.json (null without one).
 */
export function assembleTransformer(
  rec: Recognition, tensors: TensorDesc[], config: Record<string, unknown> | null, options: AssembleOptions,
): AssembledTransformer | NotAssembled {
  const shapeOf = new Map(tensors.map((t) => [t.name, t.shape]));
  const no = (why: string, missing: string | null = null, keys?: string[]): NotAssembled => ({ why, missing, ...(keys ? { keys } : {}) });
  const modelType = typeof config?.model_type === 'string' ? config.model_type : null;
  if (config?.scale_attn_by_inverse_layer_idx === true) return no('config.json sets scale_attn_by_inverse_layer_idx (attention scaled per layer): not in the attention op');
  if (config?.rope_scaling !== undefined && config.rope_scaling !== null) return no('config.json sets rope_scaling: scaled rotary frequencies are not in the attention op');

  const attention = rec.blocks.filter((b): b is AttentionBlock => b.kind === 'attention');
  const mlps = rec.blocks.filter((b): b is MlpBlock => b.kind === 'mlp');
  const heads = rec.blocks.filter((b): b is HeadBlock => b.kind === 'head');
  if (!attention.length) return no('no attention layer recognised');
  if (attention.some((a) => a.cross)) return no('cross-attention (encoder–decoder): the decoder reads a second stack');
  const generic = rec.family === 'generic';
  if (!WHOLE_FAMILIES.has(rec.family) && !(generic && modelType && PRE_NORM_DECODERS.has(modelType))) {
    return no(generic
      ? `the names are recognised by role only${modelType ? ` (model_type "${modelType}")` : ' and config.json names no model_type'}, so the order and wiring of the sub-blocks is not known for certain`
      : `${rec.label}: no whole-network wiring for this family`);
  }
  if (rec.unplaced.length) return no(`tensors no role fits (${rec.unplaced.slice(0, 4).join(', ')}${rec.unplaced.length > 4 ? ', …' : ''})`);
  if (heads.length > 1) return no('more than one head block');
  if (!rec.normFree && rec.blocks.some((b) => b.kind !== 'head' && !b.norm)) return no('a sub-block without a norm in front of it: not a pre-norm stack');

  // one attention and at most one MLP per layer, in that order (pre-norm residual blocks)
  const layerOf = (name: string) => {
    const parts = name.split('.');
    const at = parts.findIndex((p) => /^\d+$/.test(p));
    return parts.slice(0, at + 1).join('.');
  };
  const layers = new Map<string, { attention: AttentionBlock[]; mlp: MlpBlock[] }>();
  for (const b of [...attention, ...mlps]) {
    const key = layerOf(b.name);
    let l = layers.get(key);
    if (!l) layers.set(key, (l = { attention: [], mlp: [] }));
    if (b.kind === 'attention') l.attention.push(b);
    else l.mlp.push(b);
  }
  const order = rec.blocks.filter((b) => b.kind !== 'head').map((b) => layerOf(b.name)).filter((k, i, a) => a.indexOf(k) === i);
  for (const key of order) {
    const l = layers.get(key)!;
    if (l.attention.length !== 1 || l.mlp.length > 1) return no(`${key}: ${l.attention.length} attention layers and ${l.mlp.length} MLPs (a residual block has one of each)`);
  }

  const warnings: string[] = [];
  const hyper = rec.hyper;
  const D = rec.dModel;
  if (!hyper.nHeads) return no('the number of attention heads is not known', 'number of heads (n_head / num_attention_heads / n_heads in config.json; heads for vit-pytorch, num_heads for timm)', [headsKey(rec, modelType)]);
  const H = hyper.nHeads.value;
  const eps = hyper.normEps?.value ?? 1e-5;
  if (hyper.normEps?.source === 'family default') warnings.push(`norm eps ${eps}: the ${rec.label} default (config.json has no layer_norm_eps / rms_norm_eps)`);
  const activation: Activation = options.activation ?? (hyper.activation?.source === 'config' ? hyper.activation.value : null) ?? options.metadataActivation ?? hyper.activation?.value ?? 'gelu';
  if (!options.activation && hyper.activation?.source !== 'config' && !options.metadataActivation) {
    const why = hyper.unsupportedActivation ? `config.json's activation "${hyper.unsupportedActivation}" is not one this version has` : 'config.json has no activation_function / hidden_act';
    warnings.push(`activation ${activation}: the ${rec.label} default (${why}; set --activation to change)`);
  }
  // the decoders of PRE_NORM_DECODERS are causal language models
  const causal = hyper.causal?.value ?? (generic ? true : null);
  if (causal === null) return no('whether attention is causal is not known', 'attention direction (is_causal, or attention_dir "causal"/"bidirectional" in config.json)', ['is_causal']);
  if (hyper.causal?.source === 'family default' && rec.family === 'transformer-lens') warnings.push('causal attention: the TransformerLens default (config.json has no attention_dir)');
  if (hyper.attentionScale?.source === 'family default') warnings.push(`attention scores scaled by ${hyper.attentionScale.value.toPrecision(4)} = 1/√d_model, as the ${rec.label} code does (config.json attention_scale sets another)`);
  const rotaryConvention = rec.rotary ?? (generic ? 'half-split' : null);
  const partial = rec.rotaryFraction;

  // ---- the input stage -------------------------------------------------------------------
  const nodes: GraphNode[] = [];
  const push = (op: Op, inputs: ValueId[]): ValueId => {
    const id = nodes.length + 1;
    nodes.push({ id, op, inputs });
    return id;
  };
  let input: TransformerInput;
  let inputShape: number[];
  /** register tokens after CLS (DINOv2 with registers) */
  let registers = 0;
  let x: ValueId;
  const images = rec.inputs.patchEmbedding !== null;
  if (images) {
    const pe = rec.inputs.patchEmbedding!;
    const w = shapeOf.get(pe.weight)!;
    let inC: number, kh: number, seq: ValueId;
    if (!hyper.imageSize) return no('the image size is not known', 'image size (image_size in config.json)', ['image_size']);
    const side = hyper.imageSize.value;
    if (!rec.inputs.clsToken || !rec.inputs.positionEmbedding) return no('a ViT without a CLS token or position embeddings');
    const timmReadout = tensors.find((t) => /(^|\.)(fc_norm|norm_pre)\.weight$/.test(t.name));
    if (timmReadout) return no(`${timmReadout.name}: a timm ViT with fc_norm / norm_pre pools or normalises in another order than the CLS readout`);
    if (rec.family === 'timm-vit' && config?.global_pool !== undefined && config.global_pool !== 'token') return no(`config.json sets global_pool "${String(config.global_pool)}": only the CLS token readout (global_pool "token") is wired`);
    if (pe.kind === 'conv') {
      const [outC, c, a, b] = w;
      if (outC !== D || a !== b) return no(`patch embedding ${pe.weight} [${w}] is not a square-patch conv into the model width ${D}`);
      [inC, kh] = [c, a];
      if (side % kh !== 0) return no(`image size ${side} is not a multiple of the patch size ${kh}`);
      const conv = push({ kind: 'conv2d', layer: pe.module, weight: pe.weight, bias: pe.bias, inChannels: inC, outChannels: D, kernel: [kh, kh], stride: [kh, kh], padding: [0, 0] }, [0]);
      seq = push({ kind: 'patchify' }, [conv]);
    } else {
      // vit-pytorch: Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)'), then the linear per patch
      if (!hyper.patchSize) return no('the patch size is not known', 'patch size (patch_size in config.json)', ['patch_size']);
      kh = hyper.patchSize.value;
      const [outF, patchDim] = w;
      inC = patchDim / (kh * kh);
      if (outF !== D || !Number.isInteger(inC) || side % kh !== 0) return no(`patch embedding ${pe.weight} [${w}] does not read ${kh}×${kh} patches of ${side}×${side} images into the width ${D}`);
      if (hyper.patchSize.source === 'family default') warnings.push(`patch size ${kh}: ${patchDim} patch features read as ${inC} channels (the vit-pytorch default; config.json channels / patch_size set them)`);
      const patches = push({ kind: 'patches', size: kh }, [0]);
      seq = push({ kind: 'linear', layer: pe.module, weight: pe.weight, bias: pe.bias, inFeatures: patchDim, outFeatures: D, layout: 'out-in', positionwise: true }, [patches]);
    }
    inputShape = [inC, side, side];
    input = { kind: 'images', shape: [inC, side, side] };
    const withCls = push({ kind: 'cls', layer: moduleOf(rec.inputs.clsToken), weight: rec.inputs.clsToken }, [seq]);
    const posShape = shapeOf.get(rec.inputs.positionEmbedding)!;
    const tokens = (side / kh) ** 2 + 1;
    const rows = posShape[posShape.length - 2];
    if (rows !== tokens) {
      const trained = Number.isInteger(Math.sqrt(rows - 1)) ? ` (the table's ${Math.sqrt(rows - 1)}×${Math.sqrt(rows - 1)} patches + CLS: ${Math.sqrt(rows - 1) * kh} px images)` : '';
      return no(`position embeddings ${rec.inputs.positionEmbedding} have ${rows} rows${trained}, but ${side}×${side} px images with ${kh} px patches need ${tokens}: interpolating the table (bicubic, as Hugging Face does at another size) is not in the ops; read at image_size ${Number.isInteger(Math.sqrt(rows - 1)) ? Math.sqrt(rows - 1) * kh : '(the table\'s)'}`);
    }
    x = push({ kind: 'positional', layer: moduleOf(rec.inputs.positionEmbedding), weight: rec.inputs.positionEmbedding, dim: D }, [withCls]);
    // DINOv2 with registers: its R register tokens join after CLS once the positions are added (no position of their own)
    const reg = rec.inputs.registerTokens;
    if (reg) {
      const regShape = shapeOf.get(reg)!;
      if (regShape.length !== 3 || regShape[0] !== 1 || regShape[2] !== D) return no(`register tokens ${reg} [${regShape}] are not [1, R, ${D}]`);
      registers = regShape[1];
      x = push({ kind: 'cls', layer: moduleOf(reg), weight: reg, tokens: registers, at: 1 }, [x]);
    }
  } else {
    const te = rec.inputs.tokenEmbedding;
    if (!te) return no('no token embedding recognised');
    const [vocab, dim] = shapeOf.get(te)!;
    if (dim !== D) return no(`token embedding ${te} has width ${dim}, not the model width ${D}`);
    const posRows = rec.inputs.positionEmbedding ? shapeOf.get(rec.inputs.positionEmbedding)!.slice(-2)[0] : null;
    if (posRows === null && !rotaryConvention) return no('neither position embeddings nor rotary positions recognised');
    const maxLength = posRows ?? hyper.context?.value ?? null;
    let T: number;
    if (options.sequenceLength !== null) {
      T = options.sequenceLength;
      if (maxLength !== null && T > maxLength) return { why: `${T} positions per sample, more than the model's context ${maxLength}`, missing: null, badInputs: true };
    } else {
      T = Math.min(maxLength ?? options.contextCap, options.contextCap);
      if (maxLength === null) warnings.push(`context length unknown (no position embeddings; config.json has no max_position_embeddings): synthetic tokens of ${T} positions (contextCap)`);
    }
    inputShape = [T];
    input = { kind: 'tokens', length: T, vocab, maxLength };
    x = push({ kind: 'embedding', layer: moduleOf(te), weight: te, vocab, dim: D }, [0]);
    if (rec.inputs.positionEmbedding) x = push({ kind: 'positional', layer: moduleOf(rec.inputs.positionEmbedding), weight: rec.inputs.positionEmbedding, dim: D }, [x]);
  }

  const normOp = (n: NormRef): Op => (n.kind === 'layernorm'
    ? { kind: 'layernorm', layer: n.module, weight: n.weight, bias: n.bias, eps }
    : { kind: 'rmsnorm', layer: n.module, weight: n.weight, eps });
  const linearOp = (ref: LinearRef, positionwise: boolean, layer = ref.module): Op => linearOpOf(ref, shapeOf, positionwise, layer);
  const slice = (v: ValueId, start: number, length: number) => push({ kind: 'slice', start, length }, [v]);

  // ---- the residual blocks ---------------------------------------------------------------
  for (const key of order) {
    const { attention: [a], mlp: [m] } = layers.get(key)!;
    // no norm only where config.json says the model has none (rec.normFree)
    const normed = a.norm ? push(normOp(a.norm), [x]) : x;
    const out = wireAttention(rec, a, normed, push, shapeOf, { heads: H, causal, rotary: rotaryConvention, rotaryFraction: partial }, modelType);
    if (typeof out !== 'number') return out;
    x = push({ kind: 'add' }, [x, out]);
    if (!m) continue;
    const mn = m.norm ? push(normOp(m.norm), [x]) : x;
    let hidden: ValueId;
    if (m.gate || m.fusedGateUp) {
      let gate: ValueId, up: ValueId;
      if (m.fusedGateUp) {
        const both = push(linearOp(m.up, true), [mn]);
        const half = m.up.outFeatures / 2;
        // gate first, as Phi-3's `gate, up = gate_up.chunk(2, dim=-1)`
        gate = slice(both, 0, half);
        up = slice(both, half, half);
      } else {
        gate = push(linearOp(m.gate!, true), [mn]);
        up = push(linearOp(m.up, true), [mn]);
      }
      const act = push({ kind: 'activation', fn: activation }, [gate]);
      hidden = push({ kind: 'mul' }, [act, up]);
    } else {
      const up = push(linearOp(m.up, true), [mn]);
      hidden = push({ kind: 'activation', fn: activation }, [up]);
    }
    let down = push(linearOp(m.down, true), [hidden]);
    if (m.layerScale) down = push({ kind: 'scale', layer: moduleOf(m.layerScale), weight: m.layerScale }, [down]);
    x = push({ kind: 'add' }, [x, down]);
  }

  // ---- readout: one position, the final norm, the head -----------------------------------
  // positions `all`: the norm and head act per position on [T, D]; the Fisher sums the T per-position forms
  const allPositions = options.positions === 'all' && !images;
  if (options.positions === 'all' && images) warnings.push(`positions all applies to token models: an image model is read on its CLS token${heads[0]?.pooled ? ' and the mean of its patch tokens' : ''}`);
  // a pooled head (DINOv2's classifier) reads CLS and the mean of the patch tokens of the normed sequence
  const pooled = heads[0]?.pooled ?? false;
  // vit-pytorch's `pool = 'mean'`: `x.mean(dim = 1)` over every token, CLS included, before mlp_head
  const meanPool = images && config?.pool === 'mean';
  if (meanPool && registers) return no('pool "mean" with register tokens: which tokens the mean takes is not known');
  if (!allPositions && !pooled) x = push(meanPool ? { kind: 'mean', start: 0 } : { kind: 'take', index: images ? 0 : -1 }, [x]);
  const finalNorm = heads[0]?.norm ?? rec.finalNorm;
  if (finalNorm) x = push(normOp(finalNorm), [x]);
  else warnings.push(rec.normFree ? 'no norms (config.json normalization_type null): the residual stream goes straight into attention, the MLPs and the unembedding' : 'no final norm recognised: the last residual stream is read directly');
  // the patch tokens start after CLS and the registers (`sequence_output[:, 1 + num_register_tokens:]`)
  if (pooled) x = push({ kind: 'concat' }, [push({ kind: 'take', index: 0 }, [x]), push({ kind: 'mean', start: 1 + registers }, [x])]);
  const where = pooled ? 'the CLS token and the mean of the patch tokens' : meanPool ? 'the mean of every token (pool "mean")' : images ? 'the CLS token' : allPositions ? `every position (the Fisher summed over the ${inputShape[0]})` : 'the last position';
  let readout: string;
  let head: 'regression' | null = null;
  if (heads.length) {
    const h = heads[0];
    if (h.linear.inFeatures !== (pooled ? 2 * D : D)) return no(`${h.linear.module} reads ${h.linear.inFeatures} features, not the model width ${D}`);
    // a tied unembedding reads the embedding's weight; its layer is named apart from the embedding's
    x = push(linearOp(h.linear, allPositions, h.tiedTo ? `unembedding (tied to ${h.tiedTo})` : h.linear.module), [x]);
    readout = images ? `the classifier on ${where}` : `the logits at ${where}`;
  } else {
    head = 'regression';
    readout = `the ${finalNorm ? 'normed ' : ''}output at ${where} (a backbone without a head)`;
    warnings.push(`no head: the regression Fisher on ${readout.replace(' (a backbone without a head)', '')}, the backbone's ${D} features`);
  }

  const graph: ModelGraph = {
    inputShape, inputType: images ? 'float' : 'token', nodes, output: x, outputWidth: 0, activation,
    activationSource: options.activation ? 'setting' : hyper.activation?.source === 'config' ? 'arch' : options.metadataActivation ? 'metadata' : 'default',
    warnings: [],
    ...(allPositions ? { outputPositions: inputShape[0] } : {}),
  };
  const err = graphError(graph);
  if (err) return no(`the assembled graph does not check: ${err}`);
  graph.outputWidth = size(valueShapes(graph)[x]);
  // parameters the graph does not read (a head over pooled features, a tanh pooler, a mask token):
  // said, so a read of the backbone is not taken for a read of the whole model
  const read = new Set(nodes.flatMap((n) => opTensors(n.op)));
  const buffers = new Set(rec.buffers);
  const unread = tensors.map((t) => t.name).filter((n) => !read.has(n) && !buffers.has(n));
  if (unread.length) warnings.push(`parameters the whole-network read does not use: ${unread.slice(0, 6).join(', ')}${unread.length > 6 ? `, … (${unread.length})` : ''}${rec.notes.filter((n) => /not the model width/.test(n)).map((n) => `; ${n.replace(/: not read block-locally$/, '')}`).join('')}`);
  graph.warnings = warnings;
  return { recognition: rec, graph, input, readout, head, warnings };
}

/** Pushes one node reading `inputs`; returns its value id. */
export type Push = (op: Op, inputs: ValueId[]) => ValueId;

/** What an attention layer's wiring takes beyond its tensors' shapes. */
export interface AttentionSettings {
  heads: number;
  causal: boolean;
  rotary: 'half-split' | 'interleaved' | null;
  /** the share of each head's features rotary turns (config.json partial_rotary_factor) */
  rotaryFraction: number;
}

/** A linear map in its stored layout; TransformerLens W_Q/K/V [H, in, dh] and W_O [H, dh, out] carry their head count. */
function linearOpOf(ref: LinearRef, shapeOf: Map<string, number[]>, positionwise: boolean, layer = ref.module): Op {
  const stored = shapeOf.get(ref.weight)!;
  const heads = stored.length === 3 ? { heads: stored[0] } : {};
  return { kind: 'linear', layer, weight: ref.weight, bias: ref.bias, inFeatures: ref.inFeatures, outFeatures: ref.outFeatures, layout: ref.layout, positionwise, ...heads };
}

/**
 * One attention layer from its (normed) input [T, D]: Q, K and V (one module per head joined by
 * concat, a fused map sliced, or three maps), the attention op, the output projection and its layer
 * scale. The output value, or why the shapes do not make whole heads. Whole-network assembly and
 * block-local reads (src/read/block-local.ts) wire attention with this one function.
 */
export function wireAttention(
  rec: Recognition, a: AttentionBlock, input: ValueId, push: Push, shapeOf: Map<string, number[]>, s: AttentionSettings, modelType: string | null,
): ValueId | NotAssembled {
  const no = (why: string, missing: string | null = null, keys?: string[]): NotAssembled => ({ why, missing, ...(keys ? { keys } : {}) });
  const hyper = rec.hyper;
  const D = rec.dModel;
  const H = s.heads;
  const proj = (role: string) => a.projections.find((p) => p.role === role)?.linear ?? null;
  const o = proj('o');
  if (!o) return no(`${a.name}: no output projection`);
  let q: ValueId, k: ValueId, v: ValueId;
  let dh: number, Hkv: number;
  const qkv = proj('qkv');
  const perHead = (role: string) => a.projections.filter((p) => p.role === role && p.head !== null).sort((x, y) => x.head! - y.head!).map((p) => p.linear);
  if (a.projections.some((p) => p.head !== null)) {
    // one module per head: each head's map per position, joined in head order (torch.cat(heads, -1))
    const [hq, hk, hv] = [perHead('q'), perHead('k'), perHead('v')];
    dh = hq[0]?.outFeatures ?? 0;
    Hkv = H;
    if (hq.length !== H || hk.length !== H || hv.length !== H || [...hq, ...hk, ...hv].some((l) => l.outFeatures !== dh)) {
      return no(`${a.name}: ${hq.length} query, ${hk.length} key and ${hv.length} value modules of equal width do not make ${H} heads`);
    }
    const join = (lins: LinearRef[]) => lins.map((l) => push(linearOpOf(l, shapeOf, true), [input])).reduce((acc, h) => push({ kind: 'concat' }, [acc, h]));
    q = join(hq);
    k = join(hk);
    v = join(hv);
  } else if (qkv) {
    // vit-pytorch's to_qkv is 3 × heads·dim_head, which need not be the model width
    dh = hyper.dHead?.source === 'config' ? hyper.dHead.value : rec.family === 'vit-pytorch' ? qkv.outFeatures / (3 * H) : D / H;
    const kvRows = qkv.outFeatures - H * dh;
    Hkv = hyper.nKeyValueHeads?.source === 'config' ? hyper.nKeyValueHeads.value : kvRows / (2 * dh);
    if (!Number.isInteger(dh) || !Number.isInteger(Hkv) || Hkv < 1 || kvRows !== 2 * Hkv * dh) {
      return no(`${qkv.module}: ${qkv.outFeatures} fused rows do not split into ${H} query heads and equal key/value heads`, 'head size (head_dim) and key/value heads (num_key_value_heads in config.json)', ['head_dim', 'num_key_value_heads']);
    }
    const fused = push(linearOpOf(qkv, shapeOf, true), [input]);
    q = push({ kind: 'slice', start: 0, length: H * dh }, [fused]);
    k = push({ kind: 'slice', start: H * dh, length: Hkv * dh }, [fused]);
    v = push({ kind: 'slice', start: (H + Hkv) * dh, length: Hkv * dh }, [fused]);
  } else {
    const [pq, pk, pv] = [proj('q'), proj('k'), proj('v')];
    if (!pq || !pk || !pv) return no(`${a.name}: query, key and value projections not all recognised`);
    dh = pq.outFeatures / H;
    Hkv = pk.outFeatures / dh;
    if (!Number.isInteger(dh) || !Number.isInteger(Hkv) || pv.outFeatures !== pk.outFeatures) {
      return no(`${a.name}: query width ${pq.outFeatures}, key width ${pk.outFeatures} and ${H} heads do not give whole heads`, 'number of heads (n_head / num_attention_heads in config.json)', [headsKey(rec, modelType)]);
    }
    q = push(linearOpOf(pq, shapeOf, true), [input]);
    k = push(linearOpOf(pk, shapeOf, true), [input]);
    v = push(linearOpOf(pv, shapeOf, true), [input]);
  }
  if (H % Hkv !== 0) return no(`${a.name}: ${H} query heads do not group over ${Hkv} key/value heads`);
  if (o.inFeatures !== H * dh || o.outFeatures !== D) return no(`${o.module}: ${o.inFeatures}→${o.outFeatures} does not map ${H}×${dh} head outputs to the width ${D}`);
  const rotaryDims = Math.round(dh * s.rotaryFraction);
  const rotary = s.rotary ? { base: hyper.ropeTheta?.value ?? 10000, convention: s.rotary, dims: rotaryDims - (rotaryDims % 2) } : null;
  const att = push({ kind: 'attention', layer: a.name, heads: H, kvHeads: Hkv, headDim: dh, causal: s.causal, scale: hyper.attentionScale?.value ?? 1 / Math.sqrt(dh), rotary }, [q, k, v]);
  let out = push(linearOpOf(o, shapeOf, true), [att]);
  if (a.layerScale) out = push({ kind: 'scale', layer: moduleOf(a.layerScale), weight: a.layerScale }, [out]);
  return out;
}

/** The module prefix of a tensor name (`transformer.wte.weight` → `transformer.wte`). */
function moduleOf(tensor: string): string {
  const parts = tensor.split('.');
  return parts.length > 1 ? parts.slice(0, -1).join('.') : tensor;
}

/**
 * A config.json for the user to complete (the explorer's editable template): the given config's
 * keys with each key still needed set to null, to be replaced by a number (or true/false).
 */
export function configTemplate(config: Record<string, unknown> | null, keys: readonly string[]): string {
  const out: Record<string, unknown> = { ...(config ?? {}) };
  for (const k of keys) if (typeof out[k] !== 'number' && typeof out[k] !== 'boolean') out[k] = null;
  return `${JSON.stringify(out, null, 2)}\n`;
}
