/**
 * Test-written transformer checkpoints in each naming family researchers' code writes: real
 * names and stored layouts (HF GPT-2 Conv1D [in, out], nn.Linear [out, in], TransformerLens
 * [n_heads, d_model, d_head] …), seeded random weights, each with the config.json its library writes.
 * Small: d = 8, 2 heads, MLP 16, 2 layers, vocabulary 11, context 5, 2×2 patches of 4×4 images.
 */
import { writeSafetensors, type WriterTensor } from '../../src/format/writer.ts';
import { createRng } from '../../src/math/random.ts';

export const D = 8, HEADS = 2, DH = 4, MLP = 16, LAYERS = 2, VOCAB = 11, CTX = 5, PATCH = 2, IMAGE = 4, CLASSES = 3;

export interface FamilyCheckpoint { bytes: Uint8Array; config: Record<string, unknown> }

export function writer(seed: number) {
  const rng = createRng(seed);
  const tensors: WriterTensor[] = [];
  const add = (name: string, shape: number[], fill: 'normal' | 'ones' | 'zeros' | 'mask' = 'normal') => {
    const n = shape.reduce((a, b) => a * b, 1);
    const fan = shape.length >= 2 ? shape[shape.length - 1] : 1;
    const data = Array.from({ length: n }, (_, i) => {
      if (fill === 'ones') return 1 + 0.1 * rng.normal();
      if (fill === 'zeros') return 0.1 * rng.normal();
      if (fill === 'mask') { const T = shape[shape.length - 1]; return (i % T) <= Math.floor(i / T) % T ? 1 : 0; }
      return rng.normal() / Math.sqrt(fan);
    });
    tensors.push({ name, dtype: 'F32', shape, data });
  };
  const norm = (prefix: string, bias = true, w = 'weight', b = 'bias') => {
    add(`${prefix}.${w}`, [D], 'ones');
    if (bias) add(`${prefix}.${b}`, [D], 'zeros');
  };
  const linear = (prefix: string, out: number, inp: number, bias = true, layout: 'out-in' | 'in-out' = 'out-in') => {
    add(`${prefix}.weight`, layout === 'out-in' ? [out, inp] : [inp, out]);
    if (bias) add(`${prefix}.bias`, [out], 'zeros');
  };
  /** zero the entries of a tensor where `at(index)` holds (a planted dead unit) */
  const zero = (name: string, at: (i: number) => boolean) => {
    const t = tensors.find((x) => x.name === name)!;
    t.data = Array.from(t.data as ArrayLike<number>, (v, i) => (at(i) ? 0 : v));
  };
  return { add, norm, linear, zero, done: (config: Record<string, unknown>, metadata?: Record<string, string>): FamilyCheckpoint => ({ bytes: writeSafetensors(tensors, metadata), config }) };
}

/** Hugging Face GPT-2 (Conv1D [in, out]; the old `attn.bias` mask buffer; lm_head tied, not stored). */
export function gpt2Hf(): FamilyCheckpoint {
  const w = writer(1);
  w.add('transformer.wte.weight', [VOCAB, D]);
  w.add('transformer.wpe.weight', [CTX, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `transformer.h.${l}`;
    w.norm(`${p}.ln_1`);
    w.linear(`${p}.attn.c_attn`, 3 * D, D, true, 'in-out');
    w.linear(`${p}.attn.c_proj`, D, D, true, 'in-out');
    w.add(`${p}.attn.bias`, [1, 1, CTX, CTX], 'mask');
    w.norm(`${p}.ln_2`);
    w.linear(`${p}.mlp.c_fc`, MLP, D, true, 'in-out');
    w.linear(`${p}.mlp.c_proj`, D, MLP, true, 'in-out');
  }
  w.norm('transformer.ln_f');
  return w.done({ model_type: 'gpt2', n_embd: D, n_head: HEADS, n_layer: LAYERS, n_positions: CTX, vocab_size: VOCAB, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true });
}

/** minGPT/nanoGPT: the same names with nn.Linear [out, in], a causal-mask buffer and a stored lm_head; torch.compile's `_orig_mod.` prefix. */
export function nanoGpt(): FamilyCheckpoint {
  const w = writer(2);
  const t = '_orig_mod.transformer';
  w.add(`${t}.wte.weight`, [VOCAB, D]);
  w.add(`${t}.wpe.weight`, [CTX, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `${t}.h.${l}`;
    w.norm(`${p}.ln_1`, false);
    w.linear(`${p}.attn.c_attn`, 3 * D, D, false);
    w.linear(`${p}.attn.c_proj`, D, D, false);
    w.add(`${p}.attn.bias`, [1, 1, CTX, CTX], 'mask');
    w.norm(`${p}.ln_2`, false);
    w.linear(`${p}.mlp.c_fc`, MLP, D, false);
    w.linear(`${p}.mlp.c_proj`, D, MLP, false);
  }
  w.norm(`${t}.ln_f`, false);
  w.add('_orig_mod.lm_head.weight', [VOCAB, D]);
  return w.done({ n_layer: LAYERS, n_head: HEADS, n_embd: D, block_size: CTX, vocab_size: VOCAB, bias: false });
}

/**
 * TransformerLens HookedTransformer state dict (mask and IGNORE buffers included, as it saves them).
 * `normalization` is its config's normalization_type: "LN" stores ln*.w/b; "LNPre" (norms folded into
 * the next maps, from_pretrained's default) and null (no norms: the grokking models) store none.
 */
export function transformerLens(normalization: 'LN' | 'LNPre' | null = 'LN', rotary = false, attnOnly = false): FamilyCheckpoint {
  const w = writer(attnOnly ? 21 : rotary ? 20 : normalization === 'LN' ? 3 : normalization === 'LNPre' ? 15 : 16);
  const ln = (prefix: string) => { if (normalization === 'LN') w.norm(prefix, true, 'w', 'b'); };
  w.add('embed.W_E', [VOCAB, D]);
  if (!rotary) w.add('pos_embed.W_pos', [CTX, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `blocks.${l}`;
    ln(`${p}.ln1`);
    if (rotary) for (const t of ['rotary_sin', 'rotary_cos']) w.add(`${p}.attn.${t}`, [CTX, DH / 2]);
    for (const m of ['Q', 'K', 'V']) { w.add(`${p}.attn.W_${m}`, [HEADS, D, DH]); w.add(`${p}.attn.b_${m}`, [HEADS, DH], 'zeros'); }
    w.add(`${p}.attn.W_O`, [HEADS, DH, D]);
    w.add(`${p}.attn.b_O`, [D], 'zeros');
    w.add(`${p}.attn.mask`, [CTX, CTX], 'mask');
    w.add(`${p}.attn.IGNORE`, []);
    if (attnOnly) continue;
    ln(`${p}.ln2`);
    w.add(`${p}.mlp.W_in`, [D, MLP]);
    w.add(`${p}.mlp.b_in`, [MLP], 'zeros');
    w.add(`${p}.mlp.W_out`, [MLP, D]);
    w.add(`${p}.mlp.b_out`, [D], 'zeros');
  }
  ln('ln_final');
  w.add('unembed.W_U', [D, VOCAB]);
  w.add('unembed.b_U', [VOCAB], 'zeros');
  return w.done({ d_model: D, n_heads: HEADS, d_head: DH, n_layers: LAYERS, d_mlp: MLP, d_vocab: VOCAB, n_ctx: CTX, act_fn: 'relu', normalization_type: normalization, attention_dir: 'causal', eps: 1e-5,
    // TransformerLens's config always names rotary_base; rotary only where positional_embedding_type says so
    attn_only: attnOnly, positional_embedding_type: rotary ? 'rotary' : 'standard', rotary_base: rotary ? 500 : 10000, rotary_dim: rotary ? DH / 2 : null, rotary_adjacent_pairs: false });
}

/** Hugging Face ViTForImageClassification. */
export function vitHf(): FamilyCheckpoint {
  const w = writer(4);
  const n = (IMAGE / PATCH) ** 2;
  w.add('vit.embeddings.cls_token', [1, 1, D]);
  w.add('vit.embeddings.position_embeddings', [1, n + 1, D]);
  w.add('vit.embeddings.patch_embeddings.projection.weight', [D, 3, PATCH, PATCH]);
  w.add('vit.embeddings.patch_embeddings.projection.bias', [D], 'zeros');
  for (let l = 0; l < LAYERS; l++) {
    const p = `vit.encoder.layer.${l}`;
    for (const m of ['query', 'key', 'value']) w.linear(`${p}.attention.attention.${m}`, D, D);
    w.linear(`${p}.attention.output.dense`, D, D);
    w.linear(`${p}.intermediate.dense`, MLP, D);
    w.linear(`${p}.output.dense`, D, MLP);
    w.norm(`${p}.layernorm_before`);
    w.norm(`${p}.layernorm_after`);
  }
  w.norm('vit.layernorm');
  w.linear('classifier', CLASSES, D);
  return w.done({ model_type: 'vit', hidden_size: D, num_hidden_layers: LAYERS, num_attention_heads: HEADS, intermediate_size: MLP, hidden_act: 'gelu', layer_norm_eps: 1e-12, image_size: IMAGE, patch_size: PATCH, num_channels: 3 });
}

/** Hugging Face Dinov2Model's tensors under `prefix` ('' or 'dinov2.'), with layer scale and `registers` register tokens. */
function dinov2Backbone(w: ReturnType<typeof writer>, prefix: string, registers = 0): void {
  const n = (IMAGE / PATCH) ** 2;
  w.add(`${prefix}embeddings.cls_token`, [1, 1, D]);
  if (registers) w.add(`${prefix}embeddings.register_tokens`, [1, registers, D]);
  w.add(`${prefix}embeddings.mask_token`, [1, D]);
  w.add(`${prefix}embeddings.position_embeddings`, [1, n + 1, D]);
  w.add(`${prefix}embeddings.patch_embeddings.projection.weight`, [D, 3, PATCH, PATCH]);
  w.add(`${prefix}embeddings.patch_embeddings.projection.bias`, [D], 'zeros');
  for (let l = 0; l < LAYERS; l++) {
    const p = `${prefix}encoder.layer.${l}`;
    w.norm(`${p}.norm1`);
    for (const m of ['query', 'key', 'value']) w.linear(`${p}.attention.attention.${m}`, D, D);
    w.linear(`${p}.attention.output.dense`, D, D);
    w.add(`${p}.layer_scale1.lambda1`, [D], 'ones');
    w.norm(`${p}.norm2`);
    w.linear(`${p}.mlp.fc1`, MLP, D);
    w.linear(`${p}.mlp.fc2`, D, MLP);
    w.add(`${p}.layer_scale2.lambda1`, [D], 'ones');
  }
  w.norm(`${prefix}layernorm`);
}

/** Hugging Face Dinov2Model (a backbone: no classification head), with layer scale. */
export function dinov2Hf(): FamilyCheckpoint {
  const w = writer(5);
  dinov2Backbone(w, '');
  return w.done({ model_type: 'dinov2', hidden_size: D, num_hidden_layers: LAYERS, num_attention_heads: HEADS, mlp_ratio: MLP / D, hidden_act: 'gelu', layer_norm_eps: 1e-6, image_size: IMAGE, patch_size: PATCH, layerscale_value: 1 });
}

/**
 * Hugging Face Dinov2ForImageClassification: the backbone under `dinov2.`, a classifier over cat[CLS,
 * mean of the patch tokens]; with `registers` > 0, Dinov2WithRegistersForImageClassification.
 */
export function dinov2Classifier(registers = 0): FamilyCheckpoint {
  const w = writer(registers ? 18 : 14);
  dinov2Backbone(w, 'dinov2.', registers);
  w.linear('classifier', CLASSES, 2 * D);
  return w.done({ model_type: registers ? 'dinov2_with_registers' : 'dinov2', architectures: [registers ? 'Dinov2WithRegistersForImageClassification' : 'Dinov2ForImageClassification'], ...(registers ? { num_register_tokens: registers } : {}), hidden_size: D, num_hidden_layers: LAYERS, num_attention_heads: HEADS, mlp_ratio: MLP / D, hidden_act: 'gelu', layer_norm_eps: 1e-6, image_size: IMAGE, patch_size: PATCH, layerscale_value: 1, num_labels: CLASSES });
}

/**
 * timm VisionTransformer / DINOv2 torch.hub names (`blocks.N.attn.qkv`, `ls1.gamma`, `patch_embed.proj`,
 * `cls_token`, `pos_embed`, `norm`, a `head` on the CLS token); no config.json of its own: the
 * constructor's arguments, as a user writes them down.
 */
export function timmVit(): FamilyCheckpoint {
  const w = writer(17);
  const n = (IMAGE / PATCH) ** 2;
  w.add('cls_token', [1, 1, D]);
  w.add('pos_embed', [1, n + 1, D]);
  w.add('mask_token', [1, D]);
  w.add('patch_embed.proj.weight', [D, 3, PATCH, PATCH]);
  w.add('patch_embed.proj.bias', [D], 'zeros');
  for (let l = 0; l < LAYERS; l++) {
    const p = `blocks.${l}`;
    w.norm(`${p}.norm1`);
    w.linear(`${p}.attn.qkv`, 3 * D, D);
    w.linear(`${p}.attn.proj`, D, D);
    w.add(`${p}.ls1.gamma`, [D], 'ones');
    w.norm(`${p}.norm2`);
    w.linear(`${p}.mlp.fc1`, MLP, D);
    w.linear(`${p}.mlp.fc2`, D, MLP);
    w.add(`${p}.ls2.gamma`, [D], 'ones');
  }
  w.norm('norm');
  w.linear('head', CLASSES, D);
  return w.done({ embed_dim: D, depth: LAYERS, num_heads: HEADS, mlp_ratio: MLP / D, patch_size: PATCH, img_size: IMAGE, num_classes: CLASSES });
}

/**
 * Hugging Face LlamaForCausalLM with grouped-query attention (1 key/value head) and an untied
 * lm_head; `deadUnit` zeroes that SwiGLU unit's gate row, up row and down column in layer 0.
 * `qwen2`: the same with q/k/v biases (Qwen2ForCausalLM) and the old `rotary_emb.inv_freq` buffers.
 */
export function llamaHf(deadUnit: number | null = null, qwen2 = false): FamilyCheckpoint {
  const w = writer(qwen2 ? 19 : 6);
  w.add('model.embed_tokens.weight', [VOCAB, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}`;
    w.linear(`${p}.self_attn.q_proj`, D, D, qwen2);
    w.linear(`${p}.self_attn.k_proj`, DH, D, qwen2);
    w.linear(`${p}.self_attn.v_proj`, DH, D, qwen2);
    w.linear(`${p}.self_attn.o_proj`, D, D, false);
    if (qwen2) w.add(`${p}.self_attn.rotary_emb.inv_freq`, [DH / 2]);
    w.linear(`${p}.mlp.gate_proj`, MLP, D, false);
    w.linear(`${p}.mlp.up_proj`, MLP, D, false);
    w.linear(`${p}.mlp.down_proj`, D, MLP, false);
    w.norm(`${p}.input_layernorm`, false);
    w.norm(`${p}.post_attention_layernorm`, false);
  }
  w.norm('model.norm', false);
  w.linear('lm_head', VOCAB, D, false);
  if (deadUnit !== null) {
    w.zero('model.layers.0.mlp.gate_proj.weight', (i) => Math.floor(i / D) === deadUnit);
    w.zero('model.layers.0.mlp.up_proj.weight', (i) => Math.floor(i / D) === deadUnit);
    w.zero('model.layers.0.mlp.down_proj.weight', (i) => i % MLP === deadUnit);
  }
  return w.done({ model_type: qwen2 ? 'qwen2' : 'llama', hidden_size: D, num_hidden_layers: LAYERS, num_attention_heads: HEADS, num_key_value_heads: 1, intermediate_size: MLP, hidden_act: 'silu', rms_norm_eps: 1e-6, rope_theta: 10000, tie_word_embeddings: false, vocab_size: VOCAB, max_position_embeddings: CTX });
}

/** Meta / llama2.c names (rotary tables stored as buffers). */
export function llamaMeta(): FamilyCheckpoint {
  const w = writer(7);
  w.add('tok_embeddings.weight', [VOCAB, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `layers.${l}`;
    for (const m of ['wq', 'wk', 'wv', 'wo']) w.linear(`${p}.attention.${m}`, D, D, false);
    w.linear(`${p}.feed_forward.w1`, MLP, D, false);
    w.linear(`${p}.feed_forward.w2`, D, MLP, false);
    w.linear(`${p}.feed_forward.w3`, MLP, D, false);
    w.norm(`${p}.attention_norm`, false);
    w.norm(`${p}.ffn_norm`, false);
  }
  w.norm('norm', false);
  w.linear('output', VOCAB, D, false);
  w.add('freqs_cos', [CTX, DH / 2]);
  w.add('freqs_sin', [CTX, DH / 2]);
  return w.done({ dim: D, n_layers: LAYERS, n_heads: HEADS, n_kv_heads: HEADS, vocab_size: VOCAB, multiple_of: 4, norm_eps: 1e-5, max_seq_len: CTX });
}

/**
 * Fused projections (Phi-3 style: qkv_proj, gate_up_proj) with RMSNorm; `deadUnit` zeroes that
 * SwiGLU unit in layer 0: its gate row u and up row MLP + u of gate_up_proj, and down_proj's column u.
 */
export function fusedPhi3(deadUnit: number | null = null): FamilyCheckpoint {
  const w = writer(8);
  w.add('model.embed_tokens.weight', [VOCAB, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}`;
    w.linear(`${p}.self_attn.qkv_proj`, 3 * D, D, false);
    w.linear(`${p}.self_attn.o_proj`, D, D, false);
    w.linear(`${p}.mlp.gate_up_proj`, 2 * MLP, D, false);
    w.linear(`${p}.mlp.down_proj`, D, MLP, false);
    w.norm(`${p}.input_layernorm`, false);
    w.norm(`${p}.post_attention_layernorm`, false);
  }
  w.norm('model.norm', false);
  w.linear('lm_head', VOCAB, D, false);
  if (deadUnit !== null) {
    w.zero('model.layers.0.mlp.gate_up_proj.weight', (i) => Math.floor(i / D) === deadUnit || Math.floor(i / D) === MLP + deadUnit);
    w.zero('model.layers.0.mlp.down_proj.weight', (i) => i % MLP === deadUnit);
  }
  return w.done({ model_type: 'phi3', hidden_size: D, num_hidden_layers: LAYERS, num_attention_heads: HEADS, num_key_value_heads: HEADS, hidden_act: 'silu', rms_norm_eps: 1e-5 });
}

/** The "GPT from scratch" lecture model: one module per head, a Sequential MLP with ReLU. */
export function perHead(): FamilyCheckpoint {
  const w = writer(9);
  w.add('token_embedding_table.weight', [VOCAB, D]);
  w.add('position_embedding_table.weight', [CTX, D]);
  for (let l = 0; l < LAYERS; l++) {
    const p = `blocks.${l}`;
    for (let h = 0; h < HEADS; h++) {
      for (const m of ['key', 'query', 'value']) w.linear(`${p}.sa.heads.${h}.${m}`, DH, D, false);
      w.add(`${p}.sa.heads.${h}.tril`, [CTX, CTX], 'mask');
    }
    w.linear(`${p}.sa.proj`, D, D);
    w.linear(`${p}.ffwd.net.0`, MLP, D);
    w.linear(`${p}.ffwd.net.2`, D, MLP);
    w.norm(`${p}.ln1`);
    w.norm(`${p}.ln2`);
  }
  w.norm('ln_f');
  w.linear('lm_head', VOCAB, D);
  return w.done({ n_embd: D, n_head: HEADS, n_layer: LAYERS, block_size: CTX, vocab_size: VOCAB, activation: 'relu' });
}

/** vit-pytorch's nested wrappers: Residual(PreNorm(Attention)) → `layers.N.0.fn.fn.to_qkv`. */
export function nestedWrappers(): FamilyCheckpoint {
  const w = writer(10);
  const n = (IMAGE / PATCH) ** 2;
  w.add('pos_embedding', [1, n + 1, D]);
  w.add('cls_token', [1, 1, D]);
  w.linear('to_patch_embedding.1', D, 3 * PATCH * PATCH);
  for (let l = 0; l < LAYERS; l++) {
    const p = `transformer.layers.${l}`;
    w.norm(`${p}.0.fn.norm`);
    w.linear(`${p}.0.fn.fn.to_qkv`, 3 * D, D, false);
    w.linear(`${p}.0.fn.fn.to_out.0`, D, D);
    w.norm(`${p}.1.fn.norm`);
    w.linear(`${p}.1.fn.fn.net.0`, MLP, D);
    w.linear(`${p}.1.fn.fn.net.3`, D, MLP);
  }
  w.norm('mlp_head.0');
  w.linear('mlp_head.1', CLASSES, D);
  // vit-pytorch has no config.json: its constructor's arguments, as a user would write them down
  return w.done({ image_size: IMAGE, patch_size: PATCH, num_classes: CLASSES, dim: D, depth: LAYERS, heads: HEADS, dim_head: DH, mlp_dim: MLP, channels: 3 });
}

/** An encoder–decoder with per-head modules and cross-attention in the decoder (pre-norm). */
export function encoderDecoder(): FamilyCheckpoint {
  const w = writer(11);
  w.add('src_embed.weight', [VOCAB, D]);
  w.add('tgt_embed.weight', [VOCAB, D]);
  const attention = (p: string) => {
    for (let h = 0; h < HEADS; h++) for (const m of ['query', 'key', 'value']) w.linear(`${p}.heads.${h}.${m}`, DH, D);
    w.linear(`${p}.proj`, D, D);
  };
  for (let l = 0; l < LAYERS; l++) {
    const e = `encoder.layers.${l}`;
    w.norm(`${e}.ln1`);
    attention(`${e}.self_attn`);
    w.norm(`${e}.ln2`);
    w.linear(`${e}.ffn.fc1`, MLP, D);
    w.linear(`${e}.ffn.fc2`, D, MLP);
    const d = `decoder.layers.${l}`;
    w.norm(`${d}.ln1`);
    attention(`${d}.self_attn`);
    w.norm(`${d}.ln_cross_attn`);
    attention(`${d}.cross_attn`);
    w.norm(`${d}.ln2`);
    w.linear(`${d}.ffn.fc1`, MLP, D);
    w.linear(`${d}.ffn.fc2`, D, MLP);
  }
  w.norm('encoder.norm');
  w.norm('decoder.norm');
  w.linear('generator', VOCAB, D);
  return w.done({ d_model: D, num_heads: HEADS, activation: 'relu', layer_norm_eps: 1e-5 });
}

/**
 * Hugging Face BART/Marian-style encoder–decoder (post-norm: `self_attn_layer_norm` after the
 * residual add, `final_layer_norm` after the MLP; `encoder_attn` cross-attention; learned
 * positions with BART's offset of 2; `final_logits_bias` buffer-like parameter).
 */
export function bartHf(): FamilyCheckpoint {
  const w = writer(12);
  w.add('model.shared.weight', [VOCAB, D]);
  for (const stack of ['encoder', 'decoder']) {
    w.add(`model.${stack}.embed_positions.weight`, [CTX + 2, D]);
    w.norm(`model.${stack}.layernorm_embedding`);
    for (let l = 0; l < LAYERS; l++) {
      const p = `model.${stack}.layers.${l}`;
      for (const attn of stack === 'encoder' ? ['self_attn'] : ['self_attn', 'encoder_attn']) {
        for (const m of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) w.linear(`${p}.${attn}.${m}`, D, D);
        w.norm(`${p}.${attn}_layer_norm`);
      }
      w.linear(`${p}.fc1`, MLP, D);
      w.linear(`${p}.fc2`, D, MLP);
      w.norm(`${p}.final_layer_norm`);
    }
  }
  w.add('final_logits_bias', [1, VOCAB], 'zeros');
  w.add('lm_head.weight', [VOCAB, D]);
  return w.done({ model_type: 'bart', d_model: D, encoder_attention_heads: HEADS, decoder_attention_heads: HEADS, encoder_layers: LAYERS, decoder_layers: LAYERS, encoder_ffn_dim: MLP, activation_function: 'gelu', vocab_size: VOCAB, max_position_embeddings: CTX, normalize_before: false });
}

/** Hugging Face T5 (RMS `layer_norm` without bias before each sub-layer, `EncDecAttention`, relative position buckets, ReLU `DenseReluDense`). */
export function t5Hf(): FamilyCheckpoint {
  const w = writer(13);
  w.add('shared.weight', [VOCAB, D]);
  for (const stack of ['encoder', 'decoder']) {
    for (let l = 0; l < LAYERS; l++) {
      const p = `${stack}.block.${l}.layer`;
      const attention = (q: string) => { for (const m of ['q', 'k', 'v', 'o']) w.linear(`${q}.${m}`, D, D, false); };
      attention(`${p}.0.SelfAttention`);
      if (l === 0) w.add(`${p}.0.SelfAttention.relative_attention_bias.weight`, [32, HEADS]);
      w.norm(`${p}.0.layer_norm`, false);
      let at = 1;
      if (stack === 'decoder') {
        attention(`${p}.1.EncDecAttention`);
        w.norm(`${p}.1.layer_norm`, false);
        at = 2;
      }
      w.linear(`${p}.${at}.DenseReluDense.wi`, MLP, D, false);
      w.linear(`${p}.${at}.DenseReluDense.wo`, D, MLP, false);
      w.norm(`${p}.${at}.layer_norm`, false);
    }
    w.norm(`${stack}.final_layer_norm`, false);
  }
  w.add('lm_head.weight', [VOCAB, D]);
  return w.done({ model_type: 't5', d_model: D, d_kv: DH, d_ff: MLP, num_heads: HEADS, num_layers: LAYERS, num_decoder_layers: LAYERS, feed_forward_proj: 'relu', dense_act_fn: 'relu', layer_norm_epsilon: 1e-6, vocab_size: VOCAB, relative_attention_num_buckets: 32, tie_word_embeddings: false });
}

export const FAMILY_CHECKPOINTS = {
  'gpt2-hf': gpt2Hf, nanogpt: nanoGpt, 'transformer-lens': () => transformerLens(), 'transformer-lens-lnpre': () => transformerLens('LNPre'), 'transformer-lens-no-norm': () => transformerLens(null), 'transformer-lens-rotary': () => transformerLens('LN', true), 'vit-hf': vitHf, 'dinov2-hf': dinov2Hf, 'dinov2-classifier': () => dinov2Classifier(), 'dinov2-registers': () => dinov2Classifier(4), 'timm-vit': timmVit,
  'llama-hf': () => llamaHf(), 'qwen2-hf': () => llamaHf(null, true), 'llama-meta': llamaMeta, 'fused-phi3': fusedPhi3, 'per-head': perHead, nested: nestedWrappers,
  'encoder-decoder': encoderDecoder, bart: bartHf, t5: t5Hf,
} as const;
