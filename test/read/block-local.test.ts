/**
 * Block-local reads of transformers: the shipped GPT-2 fixture and every test-written family
 * checkpoint read block by block; a node-death scan read block-locally equals an independent
 * plain forward pass of the block (stored Conv1D layout, f64) differentiated by central differences.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { loadModel, readCheckpoint, WholeNetworkUnavailable } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { ArchitectureError } from '../../src/model/infer.ts';
import { createRng } from '../../src/math/random.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import { fixture } from '../helpers/read.ts';
import * as T from '../helpers/transformers.ts';
import { ACT } from '../helpers/transformer-forward.ts';

const GPT2 = 'gpt2_modadd23_s1.safetensors';
const gpt2Config = () => readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8');

async function readGpt2(options: Record<string, unknown>): Promise<ReadResult> {
  const src = await fileSource(fixture(GPT2));
  try {
    return await readCheckpoint({ checkpoint: src, checkpointName: GPT2, configText: gpt2Config(), configName: 'config.json' }, { scope: 'block-local', ...options }, new CpuEngine({ precision: 'f64' }));
  } finally {
    await src.close();
  }
}

/** Plain forward of GPT-2's MLP block from the stored tensors: c_proj(gelu_tanh(c_fc(LN(x)))), Conv1D x·W. */
function mlpForward(w: Record<string, Float64Array>, x: Float64Array, d: number, h: number, eps: number): Float64Array {
  let mu = 0;
  for (let i = 0; i < d; i++) mu += x[i] / d;
  let v = 0;
  for (let i = 0; i < d; i++) v += (x[i] - mu) ** 2 / d;
  const ln = Array.from({ length: d }, (_, i) => ((x[i] - mu) / Math.sqrt(v + eps)) * w.g[i] + w.b[i]);
  const hid = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let z = w.bfc[j];
    for (let i = 0; i < d; i++) z += ln[i] * w.fc[i * h + j];
    hid[j] = 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
  }
  const y = new Float64Array(d);
  for (let o = 0; o < d; o++) {
    let s = w.bproj[o];
    for (let j = 0; j < h; j++) s += hid[j] * w.proj[j * d + o];
    y[o] = s;
  }
  return y;
}


/**
 * The scan's F at its first and last t equals the Gaussian Fisher of a plain forward along the line
 * `at(t)`, by central differences (step 1e-5), averaged over the probe inputs `xs`, within 1e-6.
 */
function expectScanByCentralDifferences<W>(
  scan: { t: number[]; F: number[] }, at: (t: number) => W, forward: (w: W, x: Float64Array) => number[], xs: Float64Array[],
): void {
  for (const i of [0, scan.t.length - 1]) {
    const t = scan.t[i], step = 1e-5;
    const plus = at(t + step), minus = at(t - step);
    let F = 0;
    for (const x of xs) {
      const y1 = forward(plus, x), y0 = forward(minus, x);
      for (let o = 0; o < y1.length; o++) F += ((y1[o] - y0[o]) / (2 * step)) ** 2;
    }
    F /= xs.length;
    expect(Math.abs(scan.F[i] - F) / F, `t = ${t}`).toBeLessThan(1e-6);
  }
}
describe('block-local reads', () => {
  it('GPT-2 fixture: MLP, ln_1 → c_attn, the attention layer and ln_f → tied wte read block-locally; LayerNorm kernels gauge, live units k = 1', async () => {
    const r = await readGpt2({ probe: 64 });
    expect(r.scope).toBe('block-local');
    expect(r.blocks!.filter((b) => b.read).map((b) => b.block)).toEqual(['transformer.h.0.ln_1 → transformer.h.0.attn.c_attn', 'transformer.h.0.attn (attention)', 'transformer.h.0.mlp', 'transformer.ln_f → transformer.wte']);
    expect(r.blocks!.every((b) => b.read)).toBe(true);
    expect(r.directions.every((d) => d.scope === 'block-local' && typeof d.block === 'string')).toBe(true);
    expect(r.settings.head).toBe('regression');
    expect(r.warnings[0]).toMatch(/read block-locally.*regression Fisher on the block output/);
    const kernels = r.directions.filter((d) => d.detector === 'ln-kernel');
    expect(kernels.map((d) => d.layer)).toEqual(['transformer.h.0.ln_1', 'transformer.h.0.ln_2']); // none on the tied unembedding
    for (const d of kernels) expect(d.class).toBe('gauge');
    const units = r.directions.filter((d) => d.detector === 'node-death');
    expect(units.length).toBe(128);
    for (const d of units.filter((u) => u.class === 'live')) expect(d.kRounded).toBe(1);
    expect(r.layers).toEqual([expect.objectContaining({ layer: 'transformer.h.0.mlp.c_fc', width: 128, scope: 'block-local', block: 'transformer.h.0.mlp' })]);
  }, 60_000);

  it('a node-death scan read block-locally equals a plain forward pass differentiated by central differences', async () => {
    const probe = 24;
    const r = await readGpt2({ probe, detectors: ['node-death'] });
    const file = await openSafetensors(await fileSource(fixture(GPT2)), GPT2);
    const get = (n: string) => file.readFloat64(`transformer.h.0.${n}`);
    const w = { g: await get('ln_2.weight'), b: await get('ln_2.bias'), fc: await get('mlp.c_fc.weight'), bfc: await get('mlp.c_fc.bias'), proj: await get('mlp.c_proj.weight'), bproj: await get('mlp.c_proj.bias') };
    const d = 32, h = 128;
    // the same seeded N(0, 1) probe of width d the read states it used
    const rng = createRng(0 ^ 0x5eed);
    const xs = Array.from({ length: probe }, () => Float64Array.from({ length: d }, () => rng.normal()));
    for (const u of [0, 77]) {
      const dir = r.directions.find((x) => x.id === `node-death:transformer.h.0.mlp.c_fc:${u}`)!;
      // node death in the stored [in, out] layout: column u of c_fc with its bias, row u of c_proj
      const alpha = [...Array.from({ length: d }, (_, i) => w.fc[i * h + u]), w.bfc[u]];
      const beta = Array.from({ length: d }, (_, o) => w.proj[u * d + o]);
      const na = Math.hypot(...alpha), nb = Math.hypot(...beta);
      const at = (t: number) => {
        const c = { ...w, fc: w.fc.slice(), bfc: w.bfc.slice(), proj: w.proj.slice() };
        for (let i = 0; i < d; i++) c.fc[i * h + u] += (t * alpha[i]) / na / Math.SQRT2;
        c.bfc[u] += (t * alpha[d]) / na / Math.SQRT2;
        for (let o = 0; o < d; o++) c.proj[u * d + o] += (t * beta[o]) / nb / Math.SQRT2;
        return c;
      };
      for (const i of [0, 8, dir.scan.t.length - 1]) {
        const t = dir.scan.t[i];
        const step = 1e-5;
        const plus = at(t + step), minus = at(t - step);
        let F = 0;
        for (const x of xs) {
          const a = mlpForward(plus, x, d, h, 1e-5), b = mlpForward(minus, x, d, h, 1e-5);
          for (let o = 0; o < d; o++) F += ((a[o] - b[o]) / (2 * step)) ** 2;
        }
        F /= probe;
        expect(Math.abs(dir.scan.F[i] - F) / F, `unit ${u}, t = ${t}`).toBeLessThan(1e-6);
      }
    }
  }, 60_000);

  const readable = ['gpt2-hf', 'nanogpt', 'transformer-lens', 'vit-hf', 'dinov2-hf', 'per-head', 'nested', 'encoder-decoder'] as const;
  for (const name of readable) {
    it(`${name}: the test-written checkpoint reads block-locally with and without config.json`, async () => {
      const ck = T.FAMILY_CHECKPOINTS[name]();
      for (const withConfig of [true, false]) {
        const r = await readCheckpoint(
          { checkpoint: bytesSource(ck.bytes), checkpointName: `${name}.safetensors`, configText: withConfig ? JSON.stringify(ck.config) : null },
          // 8 positions for the attention layers read alone where no context is known (contextCap, 32 by default)
          { probe: 16, perDecade: 2, scope: 'block-local', contextCap: 8 }, new CpuEngine(),
        );
        expect(r.scope).toBe('block-local');
        const read = r.blocks!.filter((b) => b.read);
        // every MLP block is read (none of these is gated)
        expect(read.filter((b) => b.kind === 'mlp').length).toBe(name === 'encoder-decoder' ? 2 * T.LAYERS : T.LAYERS);
        expect(r.directions.length).toBeGreaterThan(0);
        expect(r.directions.every((d) => d.scope === 'block-local' && d.scan.F.every(Number.isFinite))).toBe(true);
        // each read block's layer kernel reads gauge, and so does every gauge of an attention layer read alone
        for (const d of r.directions.filter((x) => x.detector === 'ln-kernel')) expect(d.class, d.id).toBe('gauge');
        const attention = r.directions.filter((x) => x.block?.endsWith('(attention)'));
        if (withConfig || name === 'transformer-lens' || name === 'per-head') expect(attention.length, 'attention layers read alone').toBeGreaterThan(0);
        for (const d of attention) expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
        if (name === 'encoder-decoder') {
          // cross-attention: only the query reads the decoder's norm; keys and values read the encoder's output
          const crossPairs = read.filter((b) => b.block.includes('ln_cross_attn')).map((b) => b.block);
          expect(crossPairs.length).toBe(T.LAYERS * T.HEADS);
          expect(crossPairs.every((b) => /\.query$/.test(b))).toBe(true);
        }
      }
    }, 60_000);
  }

  it('HF BART and T5 encoder–decoders (self_attn/encoder_attn, SelfAttention/EncDecAttention) read block-locally with and without config.json', async () => {
    for (const name of ['bart', 't5'] as const) for (const withConfig of [true, false]) {
      const ck = T.FAMILY_CHECKPOINTS[name]();
      const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: `${name}.safetensors`, configText: withConfig ? JSON.stringify(ck.config) : null },
        { probe: 8, perDecade: 2, contextCap: 8 }, new CpuEngine());
      expect(r.scope).toBe('block-local');
      expect(r.warnings[0]).toMatch(/cross-attention \(encoder–decoder\)/);
      expect(r.directions.length).toBeGreaterThan(0);
      expect(r.directions.every((d) => d.scope === 'block-local' && typeof d.block === 'string' && d.scan.F.every(Number.isFinite))).toBe(true);
      // every recognised attention layer is listed, the cross-attention ones included; every MLP is read
      const attention = r.blocks!.filter((b) => b.kind === 'attention').map((b) => b.block);
      const cross = name === 'bart' ? /\.encoder_attn( \(attention\))?$/ : /EncDecAttention( \(attention\))?$/;
      expect(attention.filter((b) => cross.test(b)).length).toBe(T.LAYERS);
      expect(r.blocks!.filter((b) => b.kind === 'mlp' && b.read).length).toBe(2 * T.LAYERS);
      if (name === 't5') {
        // T5LayerNorm is an RMSNorm (no bias, no mean): every norm a read block starts with is one
        const norms = r.blocks!.filter((b) => b.read && !b.block.endsWith('(attention)')).map((b) => (b.architecture!.nodes[0] as { op: { kind: string } }).op.kind);
        expect(new Set(norms)).toEqual(new Set(['rmsnorm']));
        // cross-attention keys and values read the encoder's output: only its query is paired with the decoder's norm
        expect(r.blocks!.filter((b) => b.read && /EncDecAttention/.test(b.block)).map((b) => b.block.split('.').pop())).toEqual(['q', 'q']);
        expect(r.warnings.join(' ')).not.toMatch(/relative_attention_bias/);
      }
    }
  }, 120_000);

  it('BART (post-norm by its model_type): each norm is paired with the maps that read it — layernorm_embedding and the previous layer\'s final_layer_norm with Q/K/V, self_attn_layer_norm with fc1 and the cross query; without config.json none is', async () => {
    const ck = T.bartHf();
    const blocksOf = async (withConfig: boolean) => (await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'bart.safetensors', configText: withConfig ? JSON.stringify(ck.config) : null },
      { probe: 8, perDecade: 2, detectors: ['node-death', 'ln-kernel'] }, new CpuEngine())).blocks!.filter((b) => b.read).map((b) => b.block);
    const read = await blocksOf(true);
    const e = 'model.encoder', d = 'model.decoder';
    expect(read).toEqual(expect.arrayContaining([
      `${e}.layernorm_embedding → ${e}.layers.0.self_attn.q_proj`, `${e}.layers.0.final_layer_norm → ${e}.layers.1.self_attn.k_proj`,
      `${d}.layers.0.final_layer_norm → ${d}.layers.1.self_attn.v_proj`, `${d}.layers.1.self_attn_layer_norm → ${d}.layers.1.encoder_attn.q_proj`,
      `${d}.layers.1.final_layer_norm → lm_head`,
    ]));
    expect(read.filter((b) => b.endsWith('encoder_attn.k_proj') || b.endsWith('encoder_attn.v_proj'))).toEqual([]);
    expect(read.filter((b) => !b.includes('→') && !b.endsWith('(attention)')).length).toBe(2 * T.LAYERS); // the MLPs, each with its norm inside
    // and every self-attention layer alone (the cross-attention ones read the other stack)
    expect(read.filter((b) => b.endsWith('(attention)'))).toEqual(expect.arrayContaining([`${e}.layers.0.self_attn (attention)`, `${d}.layers.1.self_attn (attention)`]));
    expect(read.filter((b) => b.endsWith('encoder_attn (attention)'))).toEqual([]);
    expect((await blocksOf(false)).filter((b) => b.includes('→'))).toEqual([]);
  }, 120_000);

  it('DINOv2: an MLP read block-locally carries its layer scale (γ ⊙ fc2(GELU(fc1(LN x)))); its node-death scan equals that forward by central differences', async () => {
    const ck = T.dinov2Hf();
    const probe = 10;
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'dino.safetensors', configText: JSON.stringify(ck.config) },
      { probe, detectors: ['node-death'], scope: 'block-local' }, new CpuEngine({ precision: 'f64' }));
    const p = 'encoder.layer.1';
    expect(r.warnings.join(' ')).not.toMatch(/not included/);
    expect(r.blocks!.find((b) => b.block === `${p}.mlp`)!.why).toBe('layernorm → linear 8→16 → gelu → linear 16→8 → scale');
    const file = await openSafetensors(bytesSource(ck.bytes), 'dino');
    const get = (n: string) => file.readFloat64(`${p}.${n}`);
    const w = { g: await get('norm2.weight'), b: await get('norm2.bias'), w1: await get('mlp.fc1.weight'), b1: await get('mlp.fc1.bias'), w2: await get('mlp.fc2.weight'), b2: await get('mlp.fc2.bias'), ls: await get('layer_scale2.lambda1') };
    const d = T.D, h = T.MLP, eps = 1e-6;
    const gelu = ACT.gelu;
    const forward = (v: typeof w, x: Float64Array) => {
      const mu = x.reduce((s, z) => s + z, 0) / d, va = x.reduce((s, z) => s + (z - mu) ** 2, 0) / d;
      const n = Array.from(x, (z, i) => ((z - mu) / Math.sqrt(va + eps)) * v.g[i] + v.b[i]);
      const hid = Array.from({ length: h }, (_, j) => gelu(v.b1[j] + n.reduce((s, z, i) => s + v.w1[j * d + i] * z, 0)));
      return Array.from({ length: d }, (_, o) => v.ls[o] * (v.b2[o] + hid.reduce((s, z, j) => s + z * v.w2[o * h + j], 0)));
    };
    const rng = createRng(0 ^ 0x5eed);
    const xs = Array.from({ length: probe }, () => Float64Array.from({ length: d }, () => rng.normal()));
    const u = 3;
    const dir = r.directions.find((x) => x.id === `node-death:${p}.mlp.fc1:${u}`)!;
    const unit = (a: number[]) => { const k = Math.hypot(...a); return a.map((z) => z / k / Math.SQRT2); };
    const a = unit([...Array.from({ length: d }, (_, i) => w.w1[u * d + i]), w.b1[u]]);
    const b = unit(Array.from({ length: d }, (_, o) => w.w2[o * h + u]));
    const at = (t: number) => {
      const c = { ...w, w1: w.w1.slice(), b1: w.b1.slice(), w2: w.w2.slice() };
      for (let i = 0; i < d; i++) { c.w1[u * d + i] += t * a[i]; c.w2[i * h + u] += t * b[i]; }
      c.b1[u] += t * a[d];
      return c;
    };
    expectScanByCentralDifferences(dir.scan, at, forward, xs);
  }, 60_000);

  it('T5: a node-death scan on a DenseReluDense block read block-locally equals a plain forward (RMSNorm, ReLU) by central differences', async () => {
    const ck = T.t5Hf();
    const probe = 12;
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 't5.safetensors', configText: JSON.stringify(ck.config) },
      { probe, detectors: ['node-death'], scope: 'block-local' }, new CpuEngine({ precision: 'f64' }));
    const file = await openSafetensors(bytesSource(ck.bytes), 't5');
    const p = 'encoder.block.1.layer.1';
    const w = { g: await file.readFloat64(`${p}.layer_norm.weight`), wi: await file.readFloat64(`${p}.DenseReluDense.wi.weight`), wo: await file.readFloat64(`${p}.DenseReluDense.wo.weight`) };
    const d = T.D, h = T.MLP, eps = 1e-6;
    const forward = (v: typeof w, x: Float64Array) => {
      const rms = 1 / Math.sqrt(x.reduce((s, z) => s + z * z, 0) / d + eps);
      const n = Array.from(x, (z, i) => z * rms * v.g[i]);
      const hid = Array.from({ length: h }, (_, j) => Math.max(0, n.reduce((s, z, i) => s + v.wi[j * d + i] * z, 0)));
      return Array.from({ length: d }, (_, o) => hid.reduce((s, z, j) => s + z * v.wo[o * h + j], 0));
    };
    const rng = createRng(0 ^ 0x5eed);
    const xs = Array.from({ length: probe }, () => Float64Array.from({ length: d }, () => rng.normal()));
    const u = 4;
    const dir = r.directions.find((x) => x.id === `node-death:${p}.DenseReluDense.wi:${u}`)!;
    const unit = (a: number[]) => { const k = Math.hypot(...a); return a.map((z) => z / k / Math.SQRT2); };
    const a = unit(Array.from({ length: d }, (_, i) => w.wi[u * d + i]));
    const b = unit(Array.from({ length: d }, (_, o) => w.wo[o * h + u]));
    const at = (t: number) => {
      const c = { ...w, wi: w.wi.slice(), wo: w.wo.slice() };
      for (let i = 0; i < d; i++) { c.wi[u * d + i] += t * a[i]; c.wo[i * h + u] += t * b[i]; }
      return c;
    };
    expectScanByCentralDifferences(dir.scan, at, forward, xs);
  }, 60_000);

  for (const name of ['llama-hf', 'llama-meta', 'fused-phi3'] as const) {
    it(`${name}: RMSNorm pairs and SwiGLU MLPs read block-locally`, async () => {
      const ck = T.FAMILY_CHECKPOINTS[name]();
      const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: `${name}.safetensors`, configText: JSON.stringify(ck.config) }, { probe: 16, perDecade: 2, scope: 'block-local' }, new CpuEngine());
      const read = r.blocks!.filter((b) => b.read);
      expect(read.filter((b) => b.kind === 'mlp').length).toBe(T.LAYERS);
      expect(read.find((b) => b.kind === 'mlp')!.why).toMatch(/= mul\(/);
      const units = r.directions.filter((d) => d.detector === 'glu-unit');
      expect(units.length).toBe(T.LAYERS * T.MLP);
      expect(units.every((d) => d.predictedK === 3 && d.scan.F.every(Number.isFinite))).toBe(true);
    }, 60_000);
  }

  it('a planted dead SwiGLU unit (gate row, up row, down column all zero) reads k = 3; live units read k = 1', async () => {
    const ck = T.llamaHf(3);
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 64, detectors: ['glu-unit'], scope: 'block-local' }, new CpuEngine({ precision: 'f64' }));
    const layer0 = r.directions.filter((d) => d.layer === 'model.layers.0.mlp.gate_proj');
    expect(layer0.length).toBe(T.MLP);
    const dead = layer0.find((d) => d.unit === 3)!;
    expect([dead.class, dead.kRounded]).toEqual(['singular', 3]);
    for (const d of layer0.filter((x) => x.unit !== 3 && x.class === 'live')) expect(d.kRounded).toBe(1);
    expect(layer0.filter((x) => x.class === 'live').length).toBeGreaterThan(T.MLP / 2);
  }, 60_000);

  it('a SwiGLU unit scan read block-locally equals a plain forward pass (RMSNorm, SiLU gate) by central differences', async () => {
    const ck = T.llamaHf();
    const probe = 12;
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe, detectors: ['glu-unit'], scope: 'block-local' }, new CpuEngine({ precision: 'f64' }));
    const file = await openSafetensors(bytesSource(ck.bytes), 'llama');
    const get = (n: string) => file.readFloat64(`model.layers.1.${n}`);
    const w = { g: await get('post_attention_layernorm.weight'), gate: await get('mlp.gate_proj.weight'), up: await get('mlp.up_proj.weight'), down: await get('mlp.down_proj.weight') };
    const d = T.D, h = T.MLP, eps = 1e-6;
    const forward = (v: typeof w, x: Float64Array) => {
      const rms = 1 / Math.sqrt(x.reduce((s, z) => s + z * z, 0) / d + eps);
      const n = Array.from(x, (z, i) => z * rms * v.g[i]);
      const hid = Array.from({ length: h }, (_, j) => {
        let a = 0, b = 0;
        for (let i = 0; i < d; i++) { a += v.gate[j * d + i] * n[i]; b += v.up[j * d + i] * n[i]; }
        return (a / (1 + Math.exp(-a))) * b;
      });
      return Array.from({ length: d }, (_, o) => hid.reduce((s, z, j) => s + z * v.down[o * h + j], 0));
    };
    const rng = createRng(0 ^ 0x5eed);
    const xs = Array.from({ length: probe }, () => Float64Array.from({ length: d }, () => rng.normal()));
    const u = 5;
    const dir = r.directions.find((x) => x.id === `glu-unit:model.layers.1.mlp.gate_proj:${u}`)!;
    const unit = (a: number[]) => { const k = Math.hypot(...a); return a.map((z) => z / k / Math.sqrt(3)); };
    const ag = unit(Array.from({ length: d }, (_, i) => w.gate[u * d + i]));
    const au = unit(Array.from({ length: d }, (_, i) => w.up[u * d + i]));
    const b = unit(Array.from({ length: d }, (_, o) => w.down[o * h + u]));
    const at = (t: number) => {
      const c = { ...w, gate: w.gate.slice(), up: w.up.slice(), down: w.down.slice() };
      for (let i = 0; i < d; i++) { c.gate[u * d + i] += t * ag[i]; c.up[u * d + i] += t * au[i]; c.down[i * h + u] += t * b[i]; }
      return c;
    };
    for (const i of [0, 8, dir.scan.t.length - 1]) {
      const t = dir.scan.t[i], step = 1e-5;
      const plus = at(t + step), minus = at(t - step);
      let F = 0;
      for (const x of xs) {
        const p = forward(plus, x), m = forward(minus, x);
        for (let o = 0; o < d; o++) F += ((p[o] - m[o]) / (2 * step)) ** 2;
      }
      F /= probe;
      expect(Math.abs(dir.scan.F[i] - F) / F, `t = ${t}`).toBeLessThan(1e-6);
    }
  }, 60_000);
});

describe('scope auto and memory', () => {
  // a Hugging Face GPT-2 of the test widths with a 1 024-token context, read at contextCap 1 024 and
  // 100 000 synthetic probe inputs: one activation of width 8 alone holds 100 000 × 1 024 × 8 values
  // (6.1 GiB in f64), so the whole network cannot fit the 4 GiB a read may use
  const CONTEXT = 1024;
  function longGpt2(): { bytes: Uint8Array; config: Record<string, unknown> } {
    const w = T.writer(3);
    w.add('transformer.wte.weight', [T.VOCAB, T.D]);
    w.add('transformer.wpe.weight', [CONTEXT, T.D]);
    for (let l = 0; l < 2; l++) {
      const p = `transformer.h.${l}`;
      w.norm(`${p}.ln_1`);
      w.linear(`${p}.attn.c_attn`, 3 * T.D, T.D, true, 'in-out');
      w.linear(`${p}.attn.c_proj`, T.D, T.D, true, 'in-out');
      w.norm(`${p}.ln_2`);
      w.linear(`${p}.mlp.c_fc`, T.MLP, T.D, true, 'in-out');
      w.linear(`${p}.mlp.c_proj`, T.D, T.MLP, true, 'in-out');
    }
    w.norm('transformer.ln_f');
    return w.done({ model_type: 'gpt2', n_embd: T.D, n_head: T.HEADS, n_layer: 2, n_positions: CONTEXT, vocab_size: T.VOCAB, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true });
  }
  const ck = longGpt2();
  const sources = () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'long-gpt2.safetensors', configText: JSON.stringify(ck.config), configName: 'config.json' });
  it('auto: a whole network over the memory limit goes block by block, saying why; whole: refused with the number', async () => {
    const e = await loadModel(sources(), { probe: 100_000, contextCap: CONTEXT }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(WholeNetworkUnavailable);
    expect((e as Error).message).toMatch(/whole network's read needs about \d+(\.\d)? GiB of memory at 100000 probe inputs, more than the 4\.0 GiB a read may use/);
    await expect(loadModel(sources(), { probe: 100_000, contextCap: CONTEXT, scope: 'whole' })).rejects.toThrow(/needs about \d+(\.\d)? GiB of memory \(100000 probe inputs/);
    // at a probe that fits, the same file is read whole
    const small = await loadModel(sources(), { probe: 4, contextCap: CONTEXT });
    expect(small.transformer?.recognition.label).toMatch(/GPT-2/i);
  });
});
