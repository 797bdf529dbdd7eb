/**
 * Transformer hyperparameters: from a Hugging Face config.json (every spelling the common model
 * types use), else from tensor shapes where they determine the value, else unknown (null) and
 * named where it is needed. Each value carries where it came from, so the user sees which ones
 * were guessed.
 */
import type { Activation } from './graph.ts';
import { parseActivation } from './infer.ts';

export type Source = 'config' | 'shapes' | 'family default';
export interface Known<T> { value: T; source: Source }

export interface Hyperparameters {
  modelType: string | null;
  /** an activation config.json names that this version does not have (e.g. quick_gelu) */
  unsupportedActivation: string | null;
  dModel: Known<number> | null;
  nLayers: Known<number> | null;
  nHeads: Known<number> | null;
  nKeyValueHeads: Known<number> | null;
  dHead: Known<number> | null;
  normEps: Known<number> | null;
  activation: Known<Activation> | null;
  ropeTheta: Known<number> | null;
  causal: Known<boolean> | null;
  tiedEmbeddings: Known<boolean> | null;
  patchSize: Known<number> | null;
  imageSize: Known<number> | null;
  layerScale: Known<number> | null;
  vocab: Known<number> | null;
  context: Known<number> | null;
  /** the attention scores' scale where it is not 1/√head_dim */
  attentionScale: Known<number> | null;
}

const KEYS: { [K in Exclude<keyof Hyperparameters, 'modelType' | 'unsupportedActivation' | 'activation' | 'causal' | 'tiedEmbeddings'>]: string[] } = {
  dModel: ['n_embd', 'hidden_size', 'd_model', 'dim', 'n_embed', 'embed_dim'],
  nLayers: ['n_layer', 'num_hidden_layers', 'n_layers', 'num_layers', 'encoder_layers', 'depth'],
  // BART/Marian name the heads per stack (equal in the checkpoints they publish)
  nHeads: ['n_head', 'num_attention_heads', 'n_heads', 'num_heads', 'encoder_attention_heads', 'decoder_attention_heads', 'heads'],
  nKeyValueHeads: ['num_key_value_heads', 'n_kv_heads', 'num_kv_heads', 'n_key_value_heads'],
  dHead: ['head_dim', 'd_head', 'd_kv', 'dim_head'],
  normEps: ['layer_norm_epsilon', 'layer_norm_eps', 'rms_norm_eps', 'norm_eps', 'eps', 'layer_norm_epsilon'],
  ropeTheta: ['rope_theta', 'rotary_emb_base', 'rope_base'],
  patchSize: ['patch_size'],
  imageSize: ['image_size', 'img_size'],
  layerScale: ['layerscale_value', 'layer_scale_init_value'],
  vocab: ['vocab_size', 'd_vocab', 'n_vocab'],
  context: ['n_positions', 'max_position_embeddings', 'n_ctx', 'block_size', 'seq_len', 'max_seq_len'],
  attentionScale: ['attention_scale', 'attn_scale', 'softmax_scale'],
};

// T5's MLP activation is `dense_act_fn` (its `feed_forward_proj` also names the gating)
const ACTIVATION_KEYS = ['activation_function', 'hidden_act', 'act_fn', 'hidden_activation', 'activation', 'dense_act_fn'];

function firstNumber(config: Record<string, unknown>, keys: string[]): number | null {
  for (const k of keys) {
    const v = config[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/** Hyperparameters named in a config.json (unknown keys are ignored; nothing is guessed here). */
export function hyperparametersFromConfig(config: Record<string, unknown> | null): Hyperparameters {
  const c = config ?? {};
  const fromConfig = <T>(value: T | null): Known<T> | null => (value === null ? null : { value, source: 'config' });
  const num = (k: keyof typeof KEYS) => fromConfig(firstNumber(c, KEYS[k]));
  let activation: Activation | null = null;
  let unsupportedActivation: string | null = null;
  for (const k of ACTIVATION_KEYS) {
    if (typeof c[k] !== 'string') continue;
    activation = parseActivation(c[k] as string);
    if (activation) break;
    unsupportedActivation ??= c[k] as string;
  }
  const causalKey = typeof c.is_causal === 'boolean' ? c.is_causal : typeof c.causal === 'boolean' ? c.causal : null;
  const tied = typeof c.tie_word_embeddings === 'boolean' ? c.tie_word_embeddings : null;
  return {
    modelType: typeof c.model_type === 'string' ? c.model_type : null,
    unsupportedActivation: activation ? null : unsupportedActivation,
    dModel: num('dModel'), nLayers: num('nLayers'), nHeads: num('nHeads'), nKeyValueHeads: num('nKeyValueHeads'),
    dHead: num('dHead'), normEps: num('normEps'), activation: fromConfig(activation), ropeTheta: num('ropeTheta'),
    causal: fromConfig(causalKey), tiedEmbeddings: fromConfig(tied), patchSize: num('patchSize'), imageSize: num('imageSize'),
    layerScale: num('layerScale'), vocab: num('vocab'), context: num('context'), attentionScale: num('attentionScale'),
  };
}
