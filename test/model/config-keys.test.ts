/**
 * config.json keys are honoured: each test-written family checkpoint is loaded with one key changed
 * (heads, key/value heads, rope_theta, the norm eps, attention_dir, tie_word_embeddings,
 * patch_size/image_size), and a plain forward of the assembled whole graph equals the independent
 * forward (test/helpers/transformer-forward.ts) run with the changed value, and differs from the
 * forward with the family's default, so the key is not silently ignored.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { loadModel, type LoadedModel } from '../../src/read/pipeline.ts';
import type { Op } from '../../src/model/graph.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

async function tensorsOf(bytes: Uint8Array): Promise<R.Tensors> {
  const file = await openSafetensors(bytesSource(bytes), 't.safetensors');
  const out: R.Tensors = {};
  for (const t of file.tensors) out[t.name] = await file.readFloat64(t.name);
  return out;
}

/** The whole graph loaded as a read loads it, with the plain forward of each probe sample and the samples. */
async function load(bytes: Uint8Array, config: Record<string, unknown> | null, probe = 4) {
  const m = await loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'ck.safetensors', configText: config ? JSON.stringify(config) : null }, { probe, scope: 'whole' });
  const { z, outWidth } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
  const f = m.probe.data.length / m.probe.count;
  return {
    m,
    samples: Array.from({ length: m.probe.count }, (_, s) => ({ x: m.probe.data.slice(s * f, (s + 1) * f), y: z.slice(s * outWidth, (s + 1) * outWidth) })),
  };
}

const opsOf = <K extends Op['kind']>(m: LoadedModel, kind: K) => m.graph.nodes.map((n) => n.op).filter((o): o is Extract<Op, { kind: K }> => o.kind === kind);

function relErr(a: Float64Array, b: Float64Array): number {
  const scale = Math.max(...Array.from(b, Math.abs), 1e-300);
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale;
}

/** every sample's graph output equals `ref`, and differs from `other` (the forward without the key) */
function expectForward(samples: { x: Float64Array; y: Float64Array }[], ref: (x: Float64Array) => Float64Array, other: ((x: Float64Array) => Float64Array) | null) {
  for (const [s, { x, y }] of samples.entries()) expect(relErr(y, ref(x)), `sample ${s}`).toBeLessThan(1e-10);
  if (other) expect(Math.max(...samples.map(({ x, y }) => relErr(y, other(x))))).toBeGreaterThan(1e-6);
}

const dims = { D: T.D, H: T.HEADS, layers: T.LAYERS };

describe('config.json keys are honoured', () => {
  it('LLaMA HF: rope_theta, rms_norm_eps and num_key_value_heads set the rotary base, the norm eps and the grouping', async () => {
    const ck = T.llamaHf();
    const w = await tensorsOf(ck.bytes);
    const config = { ...ck.config, rope_theta: 37, rms_norm_eps: 0.05 };
    const { m, samples } = await load(ck.bytes, config);
    expect(opsOf(m, 'attention').map((a) => [a.rotary?.base, a.kvHeads, a.heads])).toEqual([[37, 1, T.HEADS], [37, 1, T.HEADS]]);
    expect(new Set(opsOf(m, 'rmsnorm').map((n) => n.eps))).toEqual(new Set([0.05]));
    const ref = (base: number, eps: number) => (x: Float64Array) => R.llamaForward(w, [...x], { ...dims, Hkv: 1, eps, act: 'silu', rope: { base, convention: 'half-split' } }, 'hf');
    expectForward(samples, ref(37, 0.05), ref(10000, 0.05));
    expectForward(samples, ref(37, 0.05), ref(37, 1e-6));
  });

  it('Meta/llama2.c: n_heads and n_kv_heads set the heads (one head of width d_model here)', async () => {
    const ck = T.llamaMeta();
    const w = await tensorsOf(ck.bytes);
    const { m, samples } = await load(ck.bytes, { ...ck.config, n_heads: 1, n_kv_heads: 1 });
    expect(opsOf(m, 'attention').map((a) => [a.heads, a.kvHeads, a.headDim])).toEqual([[1, 1, T.D], [1, 1, T.D]]);
    const ref = (H: number) => (x: Float64Array) => R.llamaForward(w, [...x], { D: T.D, H, layers: T.LAYERS, eps: 1e-5, act: 'silu', rope: { base: 10000, convention: 'interleaved' } }, 'meta');
    expectForward(samples, ref(1), ref(T.HEADS));
  });

  it('LLaMA HF: tie_word_embeddings true with no lm_head stored reads the unembedding from embed_tokens', async () => {
    const ck = T.llamaHf();
    const w = await tensorsOf(ck.bytes);
    const file = await openSafetensors(bytesSource(ck.bytes), 't.safetensors');
    const kept = file.tensors.filter((t) => t.name !== 'lm_head.weight');
    const bytes = writeSafetensors(kept.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape, data: [...w[t.name]] })));
    const { m, samples } = await load(bytes, { ...ck.config, tie_word_embeddings: true });
    const head = opsOf(m, 'linear').at(-1)!;
    expect([head.weight, head.outFeatures]).toEqual(['model.embed_tokens.weight', T.VOCAB]);
    const ref = (x: Float64Array) => R.llamaForward(w, [...x], { ...dims, Hkv: 1, eps: 1e-6, act: 'silu', rope: { base: 10000, convention: 'half-split' }, head: 'model.embed_tokens.weight' }, 'hf');
    expectForward(samples, ref, null);
  });

  it('GPT-2 HF: n_head and layer_norm_epsilon set the heads and the LayerNorm eps', async () => {
    const ck = T.gpt2Hf();
    const w = await tensorsOf(ck.bytes);
    const { m, samples } = await load(ck.bytes, { ...ck.config, n_head: 1, layer_norm_epsilon: 0.3 });
    expect(opsOf(m, 'attention').map((a) => [a.heads, a.headDim, a.scale])).toEqual([[1, T.D, 1 / Math.sqrt(T.D)], [1, T.D, 1 / Math.sqrt(T.D)]]);
    expect(new Set(opsOf(m, 'layernorm').map((n) => n.eps))).toEqual(new Set([0.3]));
    const ref = (H: number, eps: number) => (x: Float64Array) => R.gpt2Forward(w, [...x], { D: T.D, H, layers: T.LAYERS, eps, act: 'gelu_tanh' }, { prefix: 'transformer.', stored: 'in-out', lmHead: 'transformer.wte.weight' });
    expectForward(samples, ref(1, 0.3), ref(T.HEADS, 0.3));
    expectForward(samples, ref(1, 0.3), ref(1, 1e-5));
  });

  it('TransformerLens: attention_dir "bidirectional" drops the causal mask; "causal" (and the family default) keeps it', async () => {
    const ck = T.transformerLens();
    const w = await tensorsOf(ck.bytes);
    const ref = (causal: boolean) => (x: Float64Array) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', causal });
    const bi = await load(ck.bytes, { ...ck.config, attention_dir: 'bidirectional' });
    expect(opsOf(bi.m, 'attention').map((a) => a.causal)).toEqual([false, false]);
    expectForward(bi.samples, ref(false), ref(true));
    const causal = await load(ck.bytes, ck.config);
    expect(opsOf(causal.m, 'attention').map((a) => a.causal)).toEqual([true, true]);
    expectForward(causal.samples, ref(true), ref(false));
    const { attention_dir: _, ...noDir } = ck.config;
    expect(opsOf((await load(ck.bytes, noDir)).m, 'attention').map((a) => a.causal)).toEqual([true, true]);
  });

  it('TransformerLens normalization_type: "LNPre" is a LayerNorm without γ and β at every norm, "RMSPre" an RMSNorm without γ, null no norm at all; without config.json neither is assumed', async () => {
    const pre = T.transformerLens('LNPre');
    const a = await load(pre.bytes, pre.config);
    const norms = opsOf(a.m, 'layernorm');
    expect(norms.length).toBe(2 * T.LAYERS + 1);
    expect(norms.every((n) => n.weight === null && n.bias === null && n.eps === 1e-5)).toBe(true);
    const wPre = await tensorsOf(pre.bytes);
    const ref = (w: R.Tensors, norms: boolean) => (x: Float64Array) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', norms });
    expectForward(a.samples, ref(wPre, true), ref(wPre, false));
    const none = T.transformerLens(null);
    const b = await load(none.bytes, none.config);
    expect(opsOf(b.m, 'layernorm')).toEqual([]);
    expect(b.m.graph.warnings.join(' ')).toMatch(/no norms \(config\.json normalization_type null\)/);
    const wNone = await tensorsOf(none.bytes);
    expectForward(b.samples, ref(wNone, false), ref(wNone, true));
    // RMSPre: RMSNorm without γ at every norm
    const rms = await load(pre.bytes, { ...pre.config, normalization_type: 'RMSPre' });
    expect(opsOf(rms.m, 'rmsnorm').map((n) => n.weight)).toEqual(Array.from({ length: 2 * T.LAYERS + 1 }, () => null));
    expectForward(rms.samples, (x) => R.transformerLensForward(wPre, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', rms: true }), ref(wPre, true));
    // the stored tensors alone do not say which: no whole network without config.json's word
    for (const ck of [pre, none]) await expect(load(ck.bytes, null)).rejects.toThrow(/not a pre-norm stack/);
  });

  it('TransformerLens positional_embedding_type "rotary": rotary_base, rotary_dim (of d_head) and rotary_adjacent_pairs set the rotation; "standard" with the same rotary_base has none', async () => {
    const ck = T.transformerLens('LN', true);
    const w = await tensorsOf(ck.bytes);
    const ref = (convention: 'half-split' | 'interleaved', turned: number) => (x: Float64Array) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', rope: { base: 500, convention, dims: turned } });
    // rotary_dim 2 of d_head 4: one pair turns (the same pair in both conventions)
    const part = await load(ck.bytes, ck.config);
    expect(opsOf(part.m, 'attention').map((a) => a.rotary)).toEqual([0, 1].map(() => ({ base: 500, convention: 'half-split', dims: T.DH / 2 })));
    expectForward(part.samples, ref('half-split', T.DH / 2), ref('half-split', T.DH));
    // the whole head: the conventions pair different features
    const half = await load(ck.bytes, { ...ck.config, rotary_dim: T.DH });
    expectForward(half.samples, ref('half-split', T.DH), ref('interleaved', T.DH));
    const pairs = await load(ck.bytes, { ...ck.config, rotary_dim: T.DH, rotary_adjacent_pairs: true });
    expect(opsOf(pairs.m, 'attention').map((a) => a.rotary?.convention)).toEqual(['interleaved', 'interleaved']);
    expectForward(pairs.samples, ref('interleaved', T.DH), ref('half-split', T.DH));
    const std = T.transformerLens();
    expect(opsOf((await load(std.bytes, { ...std.config, rotary_base: 10000 })).m, 'attention').map((a) => a.rotary)).toEqual([null, null]);
  });

  it('ViT HF: layer_norm_eps sets every LayerNorm\'s eps; patch_size and image_size agree with the conv kernel and the position table', async () => {
    const ck = T.vitHf();
    const w = await tensorsOf(ck.bytes);
    const { m, samples } = await load(ck.bytes, { ...ck.config, layer_norm_eps: 0.2 });
    expect(new Set(opsOf(m, 'layernorm').map((n) => n.eps))).toEqual(new Set([0.2]));
    expect(m.graph.inputShape).toEqual([3, T.IMAGE, T.IMAGE]);
    const ref = (eps: number) => (x: Float64Array) => R.vitForward(w, x, { ...dims, eps, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'vit');
    expectForward(samples, ref(0.2), ref(1e-12));
    // without patch_size and image_size the shapes give the same sizes (2×2 conv kernel, 4 patches + CLS → 4×4 images)
    const { patch_size: _p, image_size: _i, ...noSizes } = ck.config;
    const bare = await load(ck.bytes, noSizes);
    expect(bare.m.graph.inputShape).toEqual([3, T.IMAGE, T.IMAGE]);
    expectForward(bare.samples, ref(1e-12), null);
  });

  it('DINOv2: layer_norm_eps honoured; without config.json the family default 1e-6 is used and said', async () => {
    const ck = T.dinov2Hf();
    const w = await tensorsOf(ck.bytes);
    const ref = (eps: number) => (x: Float64Array) => R.vitForward(w, x, { ...dims, eps, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'dinov2');
    const { m, samples } = await load(ck.bytes, { ...ck.config, layer_norm_eps: 0.1 });
    expect(new Set(opsOf(m, 'layernorm').map((n) => n.eps))).toEqual(new Set([0.1]));
    expectForward(samples, ref(0.1), ref(1e-6));
  });
});
