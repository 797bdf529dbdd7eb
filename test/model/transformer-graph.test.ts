/**
 * Whole-network transformer graphs: every test-written family checkpoint (real names, stored
 * layouts, random weights) assembles with config.json — or names what is missing without it — and
 * a plain forward pass of the assembled graph equals an independent forward written from the
 * libraries' modeling code (test/helpers/transformer-forward.ts). On the shipped GPT-2 fixture the
 * whole graph predicts (a + b) mod 23 on the 529 pairs as often as PyTorch measured when it was
 * trained (96.6 %, fixtures/README.md).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { recognizeTransformer } from '../../src/model/families.ts';
import { assembleTransformer, isAssembled, type AssembledTransformer } from '../../src/model/transformer-graph.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { loadModel, readCheckpoint, type LoadedModel, type ReadSources } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { Op } from '../../src/model/graph.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';
import { fixture } from '../helpers/read.ts';

type Name = keyof typeof T.FAMILY_CHECKPOINTS;

async function tensorsOf(bytes: Uint8Array): Promise<R.Tensors> {
  const file = await openSafetensors(bytesSource(bytes), 't.safetensors');
  const out: R.Tensors = {};
  for (const t of file.tensors) out[t.name] = await file.readFloat64(t.name);
  return out;
}

async function assemble(name: Name, withConfig: boolean) {
  const ck = T.FAMILY_CHECKPOINTS[name]();
  const file = await openSafetensors(bytesSource(ck.bytes), `${name}.safetensors`);
  const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
  const config = withConfig ? ck.config : null;
  const rec = recognizeTransformer(descs, config)!;
  return assembleTransformer(rec, descs, config, { activation: null, metadataActivation: null, sequenceLength: null, contextCap: 32 });
}

/** The loaded model (graph, params, probe) as a read gets it, and its plain forward per sample. */
async function loaded(sources: ReadSources, probe: number): Promise<{ m: LoadedModel; out: Float64Array[] }> {
  const m = await loadModel(sources, { probe, scope: 'whole' });
  const { z, outWidth } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
  return { m, out: Array.from({ length: m.probe.count }, (_, s) => z.slice(s * outWidth, (s + 1) * outWidth)) };
}

const sampleOf = (m: LoadedModel, s: number) => {
  const f = m.probe.data.length / m.probe.count;
  return m.probe.data.slice(s * f, (s + 1) * f);
};

function maxRelErr(a: Float64Array, b: Float64Array): number {
  const scale = Math.max(...Array.from(b, Math.abs), 1e-300);
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale;
}

const kinds = (a: AssembledTransformer) => a.graph.nodes.map((n) => n.op.kind);
const opsOf = <K extends Op['kind']>(a: AssembledTransformer, kind: K) => a.graph.nodes.map((n) => n.op).filter((o): o is Extract<Op, { kind: K }> => o.kind === kind);

describe('whole-network transformer graphs', () => {
  const whole: Name[] = ['gpt2-hf', 'nanogpt', 'transformer-lens', 'vit-hf', 'dinov2-hf', 'timm-vit', 'llama-hf', 'llama-meta', 'fused-phi3', 'per-head', 'nested'];
  for (const name of whole) {
    it(`${name}: assembles with config.json; without it, assembles or names the missing hyperparameter`, async () => {
      const a = await assemble(name, true);
      expect(isAssembled(a), isAssembled(a) ? '' : a.why).toBe(true);
      if (!isAssembled(a)) return;
      expect(opsOf(a, 'attention').length).toBe(T.LAYERS);
      expect(opsOf(a, 'add').length).toBe(2 * T.LAYERS);
      const bare = await assemble(name, false);
      if (name === 'transformer-lens' || name === 'per-head') {
        // W_Q [n_heads, d_model, d_head] gives the heads; so does the number of per-head modules
        expect(isAssembled(bare)).toBe(true);
      } else if (name === 'nested') {
        // vit-pytorch's to_qkv [3·heads·dim_head, dim] does not give the heads
        expect(isAssembled(bare) ? null : bare.missing).toMatch(/number of heads/);
      } else if (name === 'fused-phi3') {
        expect(isAssembled(bare) ? '' : bare.why).toMatch(/recognised by role only/);
      } else {
        expect(isAssembled(bare) ? null : bare.missing).toMatch(/number of heads/);
      }
    });
  }

  it('ViT variants whose forward the ops do not compute are not assembled, naming why: timm fc_norm and global_pool "avg"; register tokens are wired after CLS', async () => {
    const withExtra = async (ck: T.FamilyCheckpoint, extra: { name: string; shape: number[] }[], config = ck.config) => {
      const file = await openSafetensors(bytesSource(ck.bytes), 'v.safetensors');
      const descs = [...file.tensors.map((t) => ({ name: t.name, shape: t.shape })), ...extra];
      return assembleTransformer(recognizeTransformer(descs, config)!, descs, config, { activation: null, metadataActivation: null, sequenceLength: null, contextCap: 32 });
    };
    const why = (a: Awaited<ReturnType<typeof withExtra>>) => (isAssembled(a) ? 'assembled' : a.why);
    const reg = await withExtra(T.timmVit(), [{ name: 'register_tokens', shape: [1, 4, T.D] }]);
    expect(isAssembled(reg) && reg.graph.nodes.map((n) => n.op).find((o) => o.kind === 'cls' && o.weight === 'register_tokens')).toMatchObject({ tokens: 4, at: 1 });
    expect(why(await withExtra(T.timmVit(), [{ name: 'fc_norm.weight', shape: [T.D] }, { name: 'fc_norm.bias', shape: [T.D] }]))).toMatch(/fc_norm/);
    const timm = T.timmVit();
    expect(why(await withExtra(timm, [], { ...timm.config, global_pool: 'avg' }))).toMatch(/global_pool "avg"/);
    expect(why(await withExtra(timm, [], { ...timm.config, global_pool: 'token' }))).toBe('assembled');
  });

  for (const name of ['encoder-decoder'] as const) {
    it(`${name}: not assembled, with the reason`, async () => {
      const a = await assemble(name, true);
      expect(isAssembled(a)).toBe(false);
      if (!isAssembled(a)) expect(a.why).toMatch(name === 'encoder-decoder' ? /cross-attention/ : /role only|wiring/);
    });
  }

  it('wiring: GPT-2 reads Conv1D weights in their stored [in, out] layout, slices the fused c_attn, ties the unembedding to wte', async () => {
    const a = (await assemble('gpt2-hf', true)) as AssembledTransformer;
    expect(kinds(a).slice(0, 9)).toEqual(['embedding', 'positional', 'layernorm', 'linear', 'slice', 'slice', 'slice', 'attention', 'linear']);
    const lins = opsOf(a, 'linear');
    expect(lins[0]).toMatchObject({ weight: 'transformer.h.0.attn.c_attn.weight', layout: 'in-out', positionwise: true, outFeatures: 3 * T.D });
    expect(opsOf(a, 'slice').slice(0, 3).map((s) => [s.start, s.length])).toEqual([[0, T.D], [T.D, T.D], [2 * T.D, T.D]]);
    expect(opsOf(a, 'attention')[0]).toMatchObject({ heads: T.HEADS, kvHeads: T.HEADS, headDim: T.DH, causal: true, rotary: null, scale: 1 / Math.sqrt(T.DH) });
    expect(kinds(a).slice(-3)).toEqual(['take', 'layernorm', 'linear']);
    expect(opsOf(a, 'take')[0].index).toBe(-1);
    expect(lins[lins.length - 1]).toMatchObject({ weight: 'transformer.wte.weight', layout: 'out-in', positionwise: false, outFeatures: T.VOCAB });
    expect(a.input).toEqual({ kind: 'tokens', length: T.CTX, vocab: T.VOCAB, maxLength: T.CTX });
  });

  it('per-head modules (the lecture GPT): each head a linear per position, joined by concat in head order, scores scaled by 1/√d_model', async () => {
    const a = (await assemble('per-head', false)) as AssembledTransformer;
    expect(kinds(a).slice(0, 9)).toEqual(['embedding', 'positional', 'layernorm', 'linear', 'linear', 'concat', 'linear', 'linear', 'concat']);
    expect(opsOf(a, 'linear').slice(0, 6).map((l) => l.weight)).toEqual(['query', 'key', 'value'].flatMap((m) => [0, 1].map((h) => `blocks.0.sa.heads.${h}.${m}.weight`)));
    expect(opsOf(a, 'attention')[0]).toMatchObject({ layer: 'blocks.0.sa', heads: T.HEADS, kvHeads: T.HEADS, headDim: T.DH, causal: true, scale: 1 / Math.sqrt(T.D) });
    expect(a.warnings.join(' ')).toMatch(/scaled by 0\.3536 = 1\/√d_model/);
  });

  it('vit-pytorch (layers.N.0.fn.fn.to_qkv): image → (p1 p2 c) patches → linear per patch → CLS → positions; pre-norm blocks from the wrappers; a table of another size is refused naming both', async () => {
    const a = (await assemble('nested', true)) as AssembledTransformer;
    expect(kinds(a).slice(0, 6)).toEqual(['patches', 'linear', 'cls', 'positional', 'layernorm', 'linear']);
    expect(a.input).toEqual({ kind: 'images', shape: [3, T.IMAGE, T.IMAGE] });
    expect(opsOf(a, 'attention')[0]).toMatchObject({ layer: 'transformer.layers.0.0.fn.fn', heads: T.HEADS, headDim: T.DH, causal: false, scale: 1 / Math.sqrt(T.DH) });
    expect(a.graph.outputWidth).toBe(T.CLASSES);
    const ck = T.nestedWrappers();
    const file = await openSafetensors(bytesSource(ck.bytes), 'n.safetensors');
    const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
    const config = { ...ck.config, image_size: 2 * T.IMAGE };
    const big = assembleTransformer(recognizeTransformer(descs, config)!, descs, config, { activation: null, metadataActivation: null, sequenceLength: null, contextCap: 32 });
    expect(isAssembled(big) ? '' : big.why).toMatch(/pos_embedding have 5 rows \(the table's 2×2 patches \+ CLS: 4 px images\), but 8×8 px images with 2 px patches need 17: interpolating/);
  });

  it('rotary: LLaMA HF names take the half-split convention with GQA, Meta names the interleaved one', async () => {
    const hf = (await assemble('llama-hf', true)) as AssembledTransformer;
    expect(opsOf(hf, 'attention')[0]).toMatchObject({ heads: T.HEADS, kvHeads: 1, headDim: T.DH, causal: true, rotary: { base: 10000, convention: 'half-split', dims: T.DH } });
    const meta = (await assemble('llama-meta', true)) as AssembledTransformer;
    expect(opsOf(meta, 'attention')[0].rotary).toEqual({ base: 10000, convention: 'interleaved', dims: T.DH });
    expect(opsOf(meta, 'linear').map((l) => l.weight)).not.toContain('freqs_cos'); // buffers are not parameters
  });

  it('ViT / DINOv2: patch conv → patchify → CLS → positions; DINOv2 layer scale; backbone reads the CLS output as regression', async () => {
    const vit = (await assemble('vit-hf', true)) as AssembledTransformer;
    expect(kinds(vit).slice(0, 4)).toEqual(['conv2d', 'patchify', 'cls', 'positional']);
    expect(vit.input).toEqual({ kind: 'images', shape: [3, T.IMAGE, T.IMAGE] });
    expect(opsOf(vit, 'take')[0].index).toBe(0);
    expect(vit.head).toBeNull();
    expect(vit.graph.outputWidth).toBe(T.CLASSES);
    const dino = (await assemble('dinov2-hf', true)) as AssembledTransformer;
    expect(opsOf(dino, 'scale').map((s) => s.weight)).toEqual(['encoder.layer.0.layer_scale1.lambda1', 'encoder.layer.0.layer_scale2.lambda1', 'encoder.layer.1.layer_scale1.lambda1', 'encoder.layer.1.layer_scale2.lambda1']);
    expect(dino.head).toBe('regression');
    expect(dino.graph.outputWidth).toBe(T.D);
    expect(dino.warnings.join(' ')).toMatch(/no head: the regression Fisher on the normed output at the CLS token/);
  });

  // plain forward of the assembled graph = the independent forward, on the read's own seeded probe
  const dims = { D: T.D, H: T.HEADS, layers: T.LAYERS };
  const reference: Partial<Record<Name, (w: R.Tensors, x: Float64Array) => Float64Array>> = {
    'gpt2-hf': (w, x) => R.gpt2Forward(w, [...x], { ...dims, eps: 1e-5, act: 'gelu_tanh' }, { prefix: 'transformer.', stored: 'in-out', lmHead: 'transformer.wte.weight' }),
    nanogpt: (w, x) => R.gpt2Forward(w, [...x], { ...dims, eps: 1e-5, act: 'gelu' }, { prefix: '_orig_mod.transformer.', stored: 'out-in', lmHead: '_orig_mod.lm_head.weight' }),
    'transformer-lens': (w, x) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu' }),
    'transformer-lens-rotary': (w, x) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', rope: { base: 500, convention: 'half-split', dims: T.DH / 2 } }),
    'transformer-lens-lnpre': (w, x) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu' }),
    'transformer-lens-no-norm': (w, x) => R.transformerLensForward(w, [...x], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu', norms: false }),
    'llama-hf': (w, x) => R.llamaForward(w, [...x], { ...dims, Hkv: 1, eps: 1e-6, act: 'silu', rope: { base: 10000, convention: 'half-split' } }, 'hf'),
    'qwen2-hf': (w, x) => R.llamaForward(w, [...x], { ...dims, Hkv: 1, eps: 1e-6, act: 'silu', rope: { base: 10000, convention: 'half-split' } }, 'hf'),
    'llama-meta': (w, x) => R.llamaForward(w, [...x], { ...dims, eps: 1e-5, act: 'silu', rope: { base: 10000, convention: 'interleaved' } }, 'meta'),
    'fused-phi3': (w, x) => R.llamaForward(w, [...x], { ...dims, eps: 1e-5, act: 'silu', rope: { base: 10000, convention: 'half-split' } }, 'phi3'),
    'vit-hf': (w, x) => R.vitForward(w, x, { ...dims, eps: 1e-12, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'vit'),
    'dinov2-hf': (w, x) => R.vitForward(w, x, { ...dims, eps: 1e-6, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'dinov2'),
    'timm-vit': (w, x) => R.timmVitForward(w, x, { ...dims, eps: 1e-6, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }),
    'dinov2-classifier': (w, x) => R.vitForward(w, x, { ...dims, eps: 1e-6, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'dinov2-classifier'),
    'dinov2-registers': (w, x) => R.vitForward(w, x, { ...dims, eps: 1e-6, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'dinov2-classifier'),
    'per-head': (w, x) => R.lectureGptForward(w, [...x], { ...dims, eps: 1e-5 }),
    nested: (w, x) => R.vitPytorchForward(w, x, { ...dims, eps: 1e-5, C: 3, S: T.IMAGE, P: T.PATCH }),
  };
  for (const [name, ref] of Object.entries(reference) as [Name, (w: R.Tensors, x: Float64Array) => Float64Array][]) {
    it(`${name}: a plain forward of the whole graph equals the independent forward (f64)`, async () => {
      const ck = T.FAMILY_CHECKPOINTS[name]();
      const { m, out } = await loaded({ checkpoint: bytesSource(ck.bytes), checkpointName: `${name}.safetensors`, configText: JSON.stringify(ck.config) }, 6);
      const w = await tensorsOf(ck.bytes);
      for (let s = 0; s < m.probe.count; s++) expect(maxRelErr(out[s], ref(w, sampleOf(m, s))), `sample ${s}`).toBeLessThan(1e-10);
    });
  }

  it('vit-pytorch pool "mean": the head reads the mean of every token (CLS included), which differs from the CLS readout', async () => {
    const ck = T.nestedWrappers();
    const { m, out } = await loaded({ checkpoint: bytesSource(ck.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify({ ...ck.config, pool: 'mean' }) }, 4);
    expect(m.graph.nodes.map((n) => n.op.kind).slice(-3)).toEqual(['mean', 'layernorm', 'linear']);
    const w = await tensorsOf(ck.bytes);
    const d = { ...dims, eps: 1e-5, C: 3, S: T.IMAGE, P: T.PATCH };
    for (let s = 0; s < m.probe.count; s++) {
      expect(maxRelErr(out[s], R.vitPytorchForward(w, sampleOf(m, s), { ...d, pool: 'mean' })), `sample ${s}`).toBeLessThan(1e-10);
      expect(maxRelErr(out[s], R.vitPytorchForward(w, sampleOf(m, s), d))).toBeGreaterThan(1e-3);
    }
  });

  it('a `module.` prefix (DistributedDataParallel) or a wrapper\'s `backbone.` on timm and vit-pytorch names: the same graph, the same outputs', async () => {
    for (const [ck, prefix] of [[T.timmVit(), 'module.'], [T.nestedWrappers(), 'module.'], [T.timmVit(), 'backbone.']] as const) {
      const file = await openSafetensors(bytesSource(ck.bytes), 'v.safetensors');
      const renamed = [];
      for (const t of file.tensors) renamed.push({ name: `${prefix}${t.name}`, dtype: 'F32' as const, shape: t.shape, data: [...(await file.readFloat64(t.name))] });
      const plain = await loaded({ checkpoint: bytesSource(ck.bytes), checkpointName: 'a.safetensors', configText: JSON.stringify(ck.config) }, 3);
      const wrapped = await loaded({ checkpoint: bytesSource(writeSafetensors(renamed)), checkpointName: 'b.safetensors', configText: JSON.stringify(ck.config) }, 3);
      expect(wrapped.m.graph.nodes.map((n) => n.op.kind)).toEqual(plain.m.graph.nodes.map((n) => n.op.kind));
      wrapped.out.forEach((y, s) => expect(maxRelErr(y, plain.out[s])).toBe(0));
    }
  });

  it('TransformerLens attn_only (no MLPs, the induction-head models): residual blocks of attention alone, = the independent forward', async () => {
    const ck = T.transformerLens('LN', false, true);
    const { m, out } = await loaded({ checkpoint: bytesSource(ck.bytes), checkpointName: 'tl.safetensors', configText: JSON.stringify(ck.config) }, 4);
    expect(m.graph.nodes.filter((n) => n.op.kind === 'attention').length).toBe(T.LAYERS);
    expect(m.graph.nodes.filter((n) => n.op.kind === 'add').length).toBe(T.LAYERS);
    const w = await tensorsOf(ck.bytes);
    for (let s = 0; s < m.probe.count; s++) expect(maxRelErr(out[s], R.transformerLensForward(w, [...sampleOf(m, s)], { ...dims, dh: T.DH, eps: 1e-5, act: 'relu' })), `sample ${s}`).toBeLessThan(1e-10);
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'tl.safetensors', configText: JSON.stringify(ck.config) }, { probe: 8, perDecade: 2, detectors: ['qk-rotation', 'vo-linear', 'ln-kernel', 'residual-mean'] }, new CpuEngine({ precision: 'f64' }));
    expect(r.directions.length).toBeGreaterThan(0);
    for (const d of r.directions) expect(d.class, d.id).toBe('gauge');
  });

  it('the rotary convention matters: the LLaMA HF graph differs from the interleaved forward', async () => {
    const ck = T.llamaHf();
    const { m, out } = await loaded({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) }, 4);
    const w = await tensorsOf(ck.bytes);
    const wrong = R.llamaForward(w, [...sampleOf(m, 0)], { ...dims, Hkv: 1, eps: 1e-6, act: 'silu', rope: { base: 10000, convention: 'interleaved' } }, 'hf');
    expect(maxRelErr(out[0], wrong)).toBeGreaterThan(1e-3);
  });

  it('GPT-2 fixture: the whole graph on all 529 pairs (a, b, =) predicts (a + b) mod 23 at 96.6 %, as measured in PyTorch', async () => {
    const pairs: number[] = [], labels: number[] = [];
    for (let a = 0; a < 23; a++) for (let b = 0; b < 23; b++) { pairs.push(a, b, 23); labels.push((a + b) % 23); }
    const inputs = writeSafetensors([{ name: 'tokens', dtype: 'I64', shape: [529, 3], data: pairs.map(BigInt) }, { name: 'labels', dtype: 'I64', shape: [529], data: labels.map(BigInt) }]);
    const checkpoint = await fileSource(fixture('gpt2_modadd23_s1.safetensors'));
    try {
      const { m, out } = await loaded({
        checkpoint, checkpointName: 'gpt2_modadd23_s1.safetensors', configText: readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8'),
        inputs: bytesSource(inputs), inputsName: 'pairs.safetensors',
      }, 1);
      expect(m.probe.count).toBe(529);
      const correct = out.filter((logits, s) => logits.indexOf(Math.max(...logits)) === labels[s]).length;
      expect(correct / 529).toBeCloseTo(0.966, 3);
      const w = await tensorsOf(new Uint8Array(readFileSync(fixture('gpt2_modadd23_s1.safetensors'))));
      for (const s of [0, 100, 528]) {
        const ref = R.gpt2Forward(w, [...sampleOf(m, s)], { D: 32, H: 4, layers: 1, eps: 1e-5, act: 'gelu_tanh' }, { prefix: 'transformer.', stored: 'in-out', lmHead: 'transformer.wte.weight' });
        expect(maxRelErr(out[s], ref)).toBeLessThan(1e-10);
      }
    } finally {
      await checkpoint.close();
    }
  });

  it('parameters the whole graph does not read are named: a ViT tanh pooler, the mask token; a DINOv2 classifier over CLS + mean-pooled patches is read', async () => {
    /** the checkpoint with `rename` applied and `extra` tensors added */
    const variant = async (ck: T.FamilyCheckpoint, rename: (n: string) => string | null, extra: [string, number[]][]) => {
      const file = await openSafetensors(bytesSource(ck.bytes), 'v.safetensors');
      const out = [];
      for (const t of file.tensors) {
        const name = rename(t.name);
        if (name) out.push({ name, dtype: 'F32' as const, shape: t.shape, data: [...(await file.readFloat64(t.name))] });
      }
      for (const [name, shape] of extra) out.push({ name, dtype: 'F32' as const, shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)) });
      return writeSafetensors(out);
    };
    const dino = T.dinov2Hf();
    const classifier = await variant(dino, (n) => `dinov2.${n}`, [['classifier.weight', [T.CLASSES, 2 * T.D]], ['classifier.bias', [T.CLASSES]]]);
    const a = await loadModel({ checkpoint: bytesSource(classifier), checkpointName: 'dino-cls.safetensors', configText: JSON.stringify(dino.config) }, { probe: 2, scope: 'whole' });
    const said = a.graph.warnings.join(' ');
    expect(said).toMatch(/parameters the whole-network read does not use: dinov2\.embeddings\.mask_token($|;)/);
    expect(said).not.toMatch(/no head/);
    expect(a.graph.nodes.slice(-5).map((n) => n.op.kind)).toEqual(['layernorm', 'take', 'mean', 'concat', 'linear']);
    expect(a.graph.outputWidth).toBe(T.CLASSES);
    const vit = T.vitHf();
    const pooled = await variant(vit, (n) => (n.startsWith('classifier') ? null : n.replace(/^vit\./, '')), [['pooler.dense.weight', [T.D, T.D]], ['pooler.dense.bias', [T.D]]]);
    const b = await loadModel({ checkpoint: bytesSource(pooled), checkpointName: 'vit-model.safetensors', configText: JSON.stringify(vit.config) }, { probe: 2, scope: 'whole' });
    expect(b.graph.warnings.join(' ')).toMatch(/parameters the whole-network read does not use: pooler\.dense\.bias, pooler\.dense\.weight/);
    // a model whose every parameter is read says nothing of the kind
    const full = await loadModel({ checkpoint: bytesSource(vit.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify(vit.config) }, { probe: 2, scope: 'whole' });
    expect(full.graph.warnings.join(' ')).not.toMatch(/does not use/);
  });
});

