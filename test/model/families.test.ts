/**
 * Transformer family recognition on test-written checkpoints in each naming family (real names and
 * stored layouts, random weights; test/helpers/transformers.ts), with and without config.json.
 */
import { describe, expect, it } from 'vitest';
import { openSafetensors, bytesSource } from '../../src/format/safetensors.ts';
import { recognizeTransformer, type AttentionBlock, type MlpBlock, type Recognition } from '../../src/model/families.ts';
import { ArchitectureError, inferArchitecture } from '../../src/model/infer.ts';
import { fileSource } from '../../src/format/node-source.ts';
import * as T from '../helpers/transformers.ts';
import { fixture } from '../helpers/read.ts';
import { readFileSync } from 'node:fs';

async function recognise(ck: T.FamilyCheckpoint, withConfig: boolean): Promise<Recognition> {
  const file = await openSafetensors(bytesSource(ck.bytes), 'test.safetensors');
  const r = recognizeTransformer(file.tensors.map((t) => ({ name: t.name, shape: t.shape })), withConfig ? ck.config : null);
  expect(r).not.toBeNull();
  return r!;
}
const attention = (r: Recognition) => r.blocks.filter((b): b is AttentionBlock => b.kind === 'attention');
const mlps = (r: Recognition) => r.blocks.filter((b): b is MlpBlock => b.kind === 'mlp');

describe('transformer family recognition', () => {
  it('GPT-2 (HF names): Conv1D weights [in, out], fused c_attn, mask buffer, lm_head tied to wte', async () => {
    for (const withConfig of [true, false]) {
      const r = await recognise(T.gpt2Hf(), withConfig);
      expect(r.family).toBe('gpt2-hf');
      expect(r.dModel).toBe(T.D);
      expect(r.unplaced).toEqual([]);
      expect(r.buffers).toEqual(['transformer.h.0.attn.bias', 'transformer.h.1.attn.bias']);
      expect(attention(r).map((b) => b.name)).toEqual(['transformer.h.0.attn', 'transformer.h.1.attn']);
      const qkv = attention(r)[0].projections.find((p) => p.role === 'qkv')!;
      expect(qkv.linear).toMatchObject({ weight: 'transformer.h.0.attn.c_attn.weight', layout: 'in-out', inFeatures: T.D, outFeatures: 3 * T.D });
      expect(attention(r)[0].norm?.weight).toBe('transformer.h.0.ln_1.weight');
      const m = mlps(r)[0];
      expect([m.up.weight, m.up.layout, m.up.outFeatures, m.down.weight, m.down.layout, m.norm?.weight])
        .toEqual(['transformer.h.0.mlp.c_fc.weight', 'in-out', T.MLP, 'transformer.h.0.mlp.c_proj.weight', 'in-out', 'transformer.h.0.ln_2.weight']);
      const head = r.blocks.find((b) => b.kind === 'head')!;
      expect(head.kind === 'head' && [head.linear.weight, head.tiedTo, head.norm?.weight]).toEqual(['transformer.wte.weight', 'transformer.wte.weight', 'transformer.ln_f.weight']);
      expect(r.hyper.nLayers?.value).toBe(T.LAYERS);
      expect(r.hyper.vocab?.value).toBe(T.VOCAB);
      expect(r.hyper.context?.value).toBe(T.CTX);
      expect(r.hyper.activation?.value).toBe('gelu_tanh');
      expect(r.hyper.causal?.value).toBe(true);
      // the head count is in config.json only (GPT-2's shapes do not determine it)
      expect(r.hyper.nHeads).toEqual(withConfig ? { value: T.HEADS, source: 'config' } : null);
      if (!withConfig) expect(r.notes.join(' ')).toMatch(/number of heads unknown.*n_head/);
    }
  });
  it('nanoGPT/minGPT: the same names with [out, in] weights, `_orig_mod.` prefix, no biases, stored lm_head tied', async () => {
    const r = await recognise(T.nanoGpt(), false);
    expect(r.family).toBe('nanogpt');
    expect(r.unplaced).toEqual([]);
    expect(mlps(r)[0].up).toMatchObject({ weight: '_orig_mod.transformer.h.0.mlp.c_fc.weight', layout: 'out-in', inFeatures: T.D, outFeatures: T.MLP, bias: null });
    expect(attention(r)[1].projections.map((p) => [p.role, p.linear.layout])).toEqual([['qkv', 'out-in'], ['o', 'out-in']]);
    expect(mlps(r)[0].norm).toMatchObject({ kind: 'layernorm', bias: null });
    const head = r.blocks.find((b) => b.kind === 'head')!;
    expect(head.kind === 'head' && head.tiedTo).toBe('_orig_mod.transformer.wte.weight');
  });
  it('TransformerLens: per-head W_Q [n_heads, d_model, d_head], W_in [d_model, d_mlp]; mask and IGNORE are buffers', async () => {
    for (const withConfig of [true, false]) {
      const r = await recognise(T.transformerLens(), withConfig);
      expect(r.family).toBe('transformer-lens');
      expect(r.unplaced).toEqual([]);
      expect(r.buffers.sort()).toEqual(['blocks.0.attn.IGNORE', 'blocks.0.attn.mask', 'blocks.1.attn.IGNORE', 'blocks.1.attn.mask']);
      const a = attention(r)[0];
      expect(a.norm?.weight).toBe('blocks.0.ln1.w');
      expect(a.projections.find((p) => p.role === 'q')!.linear).toMatchObject({ weight: 'blocks.0.attn.W_Q', bias: 'blocks.0.attn.b_Q', layout: 'heads', inFeatures: T.D, outFeatures: T.HEADS * T.DH });
      expect(a.projections.find((p) => p.role === 'o')!.linear).toMatchObject({ weight: 'blocks.0.attn.W_O', layout: 'in-out', inFeatures: T.HEADS * T.DH, outFeatures: T.D });
      expect(mlps(r)[0].up).toMatchObject({ weight: 'blocks.0.mlp.W_in', bias: 'blocks.0.mlp.b_in', layout: 'in-out', outFeatures: T.MLP });
      const head = r.blocks.find((b) => b.kind === 'head')!;
      expect(head.kind === 'head' && [head.linear.weight, head.linear.layout, head.linear.outFeatures, head.tiedTo]).toEqual(['unembed.W_U', 'in-out', T.VOCAB, null]);
      // heads and d_head: from the W_Q shape when config.json is absent
      expect(r.hyper.nHeads?.value).toBe(T.HEADS);
      expect(r.hyper.dHead?.value).toBe(T.DH);
      expect(r.hyper.nHeads?.source).toBe(withConfig ? 'config' : 'shapes');
      expect(r.hyper.activation?.value).toBe(withConfig ? 'relu' : 'gelu');
    }
  });
  it('HF ViT and DINOv2: query/key/value + attention.output.dense, intermediate/output.dense or mlp.fc1/fc2, layer scale', async () => {
    const vit = await recognise(T.vitHf(), true);
    expect(vit.family).toBe('vit-hf');
    expect(vit.unplaced).toEqual([]);
    expect(attention(vit)[0].projections.map((p) => p.role).sort()).toEqual(['k', 'o', 'q', 'v']);
    expect(attention(vit)[0].norm?.weight).toBe('vit.encoder.layer.0.layernorm_before.weight');
    expect([mlps(vit)[0].up.weight, mlps(vit)[0].down.weight, mlps(vit)[0].norm?.weight]).toEqual(['vit.encoder.layer.0.intermediate.dense.weight', 'vit.encoder.layer.0.output.dense.weight', 'vit.encoder.layer.0.layernorm_after.weight']);
    expect(vit.hyper.normEps).toEqual({ value: 1e-12, source: 'config' });
    const head = vit.blocks.find((b) => b.kind === 'head')!;
    expect(head.kind === 'head' && [head.linear.weight, head.norm?.weight]).toEqual(['classifier.weight', 'vit.layernorm.weight']);
    const bare = await recognise(T.vitHf(), false);
    // 2×2 patches from the conv kernel; 4 patches + CLS in the position table → 4×4 images
    expect([bare.hyper.patchSize, bare.hyper.imageSize]).toEqual([{ value: T.PATCH, source: 'shapes' }, { value: T.IMAGE, source: 'shapes' }]);
    const dino = await recognise(T.dinov2Hf(), false);
    expect(dino.family).toBe('dinov2-hf');
    expect(dino.unplaced).toEqual([]);
    expect(mlps(dino)[0]).toMatchObject({ layerScale: 'encoder.layer.0.layer_scale2.lambda1' });
    expect(mlps(dino)[0].norm?.weight).toBe('encoder.layer.0.norm2.weight');
    expect(dino.blocks.some((b) => b.kind === 'head')).toBe(false); // a backbone
    expect(dino.hyper.normEps).toEqual({ value: 1e-6, source: 'family default' });
  });
  it('LLaMA (HF and Meta names): RMSNorm, SwiGLU gate/up/down, grouped-query attention, rotary conventions', async () => {
    const hf = await recognise(T.llamaHf(), true);
    expect(hf.family).toBe('llama-hf');
    expect([hf.normKind, hf.rotary]).toEqual(['rmsnorm', 'half-split']);
    expect(hf.hyper.nKeyValueHeads).toEqual({ value: 1, source: 'config' });
    const m = mlps(hf)[0];
    expect([m.gate?.weight, m.up.weight, m.down.weight]).toEqual(['model.layers.0.mlp.gate_proj.weight', 'model.layers.0.mlp.up_proj.weight', 'model.layers.0.mlp.down_proj.weight']);
    // without config: the key/value head count from k_proj's rows and the head width
    const bare = await recognise(T.llamaHf(), false);
    expect(bare.hyper.nHeads).toBeNull();
    expect(bare.normKind).toBe('rmsnorm');
    const meta = await recognise(T.llamaMeta(), false);
    expect(meta.family).toBe('llama-meta');
    expect([meta.normKind, meta.rotary]).toEqual(['rmsnorm', 'interleaved']);
    const mm = mlps(meta)[0];
    expect([mm.gate?.weight, mm.up.weight, mm.down.weight]).toEqual(['layers.0.feed_forward.w1.weight', 'layers.0.feed_forward.w3.weight', 'layers.0.feed_forward.w2.weight']);
    expect(meta.buffers.sort()).toEqual(['freqs_cos', 'freqs_sin']);
    expect(attention(meta)[0].norm?.weight).toBe('layers.0.attention_norm.weight');
    const fused = await recognise(T.fusedPhi3(), false);
    expect(fused.normKind).toBe('rmsnorm');
    expect(attention(fused)[0].projections.map((p) => p.role)).toEqual(['o', 'qkv']);
    expect(mlps(fused)[0]).toMatchObject({ fusedGateUp: true, up: { weight: 'model.layers.0.mlp.gate_up_proj.weight', outFeatures: 2 * T.MLP } });
  });
  it('per-head modules, nested wrappers, encoder–decoder with cross-attention', async () => {
    const ph = await recognise(T.perHead(), false);
    expect(ph.unplaced).toEqual([]);
    const a = attention(ph)[0];
    expect(a.projections.filter((p) => p.head !== null).length).toBe(3 * T.HEADS);
    expect(ph.hyper.nHeads).toEqual({ value: T.HEADS, source: 'shapes' });
    expect([mlps(ph)[0].up.weight, mlps(ph)[0].down.weight, mlps(ph)[0].norm?.weight]).toEqual(['blocks.0.ffwd.net.0.weight', 'blocks.0.ffwd.net.2.weight', 'blocks.0.ln2.weight']);
    const nested = await recognise(T.nestedWrappers(), false);
    expect(nested.unplaced).toEqual([]);
    expect(attention(nested)[0]).toMatchObject({ name: 'transformer.layers.0.0.fn.fn', norm: { weight: 'transformer.layers.0.0.fn.norm.weight' } });
    expect(attention(nested)[0].projections.map((p) => [p.role, p.linear.weight])).toEqual([['qkv', 'transformer.layers.0.0.fn.fn.to_qkv.weight'], ['o', 'transformer.layers.0.0.fn.fn.to_out.0.weight']].sort((x, y) => (x[1] < y[1] ? -1 : 1)));
    expect(mlps(nested)[0]).toMatchObject({ norm: { weight: 'transformer.layers.0.1.fn.norm.weight' }, up: { weight: 'transformer.layers.0.1.fn.fn.net.0.weight' }, down: { weight: 'transformer.layers.0.1.fn.fn.net.3.weight' } });
    const head = nested.blocks.find((b) => b.kind === 'head')!;
    expect(head.kind === 'head' && [head.norm?.weight, head.linear.weight]).toEqual(['mlp_head.0.weight', 'mlp_head.1.weight']);
    const ed = await recognise(T.encoderDecoder(), true);
    expect(ed.unplaced).toEqual([]);
    const cross = attention(ed).filter((b) => b.cross);
    expect(cross.map((b) => b.name)).toEqual(['decoder.layers.0.cross_attn', 'decoder.layers.1.cross_attn']);
    expect(cross[0].norm?.weight).toBe('decoder.layers.0.ln_cross_attn.weight');
    expect(attention(ed).filter((b) => !b.cross).length).toBe(2 * T.LAYERS);
    expect(mlps(ed).length).toBe(2 * T.LAYERS);
  });
  it('the shipped GPT-2 fixture is recognised; chain inference names the family instead of refusing blindly', async () => {
    const src = await fileSource(fixture('gpt2_modadd23_s1.safetensors'));
    try {
      const file = await openSafetensors(src, 'gpt2');
      const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
      const config = JSON.parse(readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8')) as Record<string, unknown>;
      const r = recognizeTransformer(descs, config)!;
      expect([r.family, r.dModel, r.hyper.nHeads?.value, r.hyper.normEps?.value, r.hyper.activation?.value]).toEqual(['gpt2-hf', 32, 4, 1e-5, 'gelu_tanh']);
      expect(() => inferArchitecture(descs, null, { config })).toThrow(ArchitectureError);
      expect(() => inferArchitecture(descs, null, { config })).toThrow(/recognised GPT-2 .*block-local/);
    } finally {
      await src.close();
    }
  });
  it('timm ViT (blocks.N.attn.qkv, ls1.gamma) and CLIP text (layer_norm1/2) names', () => {
    const d = 6, m = 12;
    const timm = recognizeTransformer([
      { name: 'cls_token', shape: [1, 1, d] }, { name: 'pos_embed', shape: [1, 5, d] }, { name: 'patch_embed.proj.weight', shape: [d, 3, 2, 2] },
      { name: 'blocks.0.norm1.weight', shape: [d] }, { name: 'blocks.0.norm1.bias', shape: [d] },
      { name: 'blocks.0.attn.qkv.weight', shape: [3 * d, d] }, { name: 'blocks.0.attn.proj.weight', shape: [d, d] },
      { name: 'blocks.0.ls1.gamma', shape: [d] }, { name: 'blocks.0.norm2.weight', shape: [d] }, { name: 'blocks.0.norm2.bias', shape: [d] },
      { name: 'blocks.0.mlp.fc1.weight', shape: [m, d] }, { name: 'blocks.0.mlp.fc2.weight', shape: [d, m] }, { name: 'blocks.0.ls2.gamma', shape: [d] },
      { name: 'norm.weight', shape: [d] }, { name: 'norm.bias', shape: [d] }, { name: 'head.weight', shape: [10, d] },
    ], null)!;
    expect(timm.unplaced).toEqual([]);
    expect(attention(timm)[0]).toMatchObject({ norm: { weight: 'blocks.0.norm1.weight' }, projections: expect.arrayContaining([expect.objectContaining({ role: 'qkv' }), expect.objectContaining({ role: 'o' })]) });
    expect(mlps(timm)[0]).toMatchObject({ layerScale: 'blocks.0.ls2.gamma', norm: { weight: 'blocks.0.norm2.weight' } });
    const head = timm.blocks.find((b) => b.kind === 'head')!;
    expect(head.kind === 'head' && [head.linear.weight, head.norm?.weight]).toEqual(['head.weight', 'norm.weight']);
    const p = 'text_model.encoder.layers.0';
    const clip = recognizeTransformer([
      { name: 'text_model.embeddings.token_embedding.weight', shape: [30, d] },
      ...['q', 'k', 'v', 'out'].map((x) => ({ name: `${p}.self_attn.${x}_proj.weight`, shape: [d, d] })),
      { name: `${p}.layer_norm1.weight`, shape: [d] }, { name: `${p}.layer_norm1.bias`, shape: [d] },
      { name: `${p}.mlp.fc1.weight`, shape: [m, d] }, { name: `${p}.mlp.fc2.weight`, shape: [d, m] },
      { name: `${p}.layer_norm2.weight`, shape: [d] }, { name: `${p}.layer_norm2.bias`, shape: [d] },
      { name: 'text_model.final_layer_norm.weight', shape: [d] }, { name: 'text_model.final_layer_norm.bias', shape: [d] },
    ], { model_type: 'clip_text_model', hidden_size: d, hidden_act: 'quick_gelu' })!;
    expect(clip.unplaced).toEqual([]);
    expect(attention(clip)[0].norm?.weight).toBe(`${p}.layer_norm1.weight`);
    expect(mlps(clip)[0].norm?.weight).toBe(`${p}.layer_norm2.weight`);
  });
  it('chain models are not transformers', () => {
    expect(recognizeTransformer([{ name: '0.weight', shape: [4, 3] }, { name: '2.weight', shape: [1, 4] }], null)).toBeNull();
    expect(recognizeTransformer([{ name: 'conv1.weight', shape: [4, 1, 3, 3] }, { name: 'fc1.weight', shape: [10, 4] }], null)).toBeNull();
  });
});
