/**
 * Whole-network transformer reads (scope "whole"): a node-death scan on a TransformerLens MLP equals
 * the classification Fisher at the last position of an independent forward (test/helpers/
 * transformer-forward.ts) differentiated by central differences; a planted dead SwiGLU unit reads
 * k = 3 in the whole LLaMA network; a missing hyperparameter is named (scope whole) or read
 * block-locally (scope auto).
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { InputError, loadModel, readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

async function tensorsOf(bytes: Uint8Array): Promise<R.Tensors> {
  const file = await openSafetensors(bytesSource(bytes), 't.safetensors');
  const out: R.Tensors = {};
  for (const t of file.tensors) out[t.name] = await file.readFloat64(t.name);
  return out;
}

describe('whole-network transformer reads', () => {
  it('TransformerLens: a node-death scan on a position-wise MLP equals the independent forward\'s classification Fisher (central differences)', async () => {
    const ck = T.transformerLens();
    const sources = { checkpoint: bytesSource(ck.bytes), checkpointName: 'tl.safetensors', configText: JSON.stringify(ck.config) };
    const probe = 8;
    const r = await readCheckpoint(sources, { probe, detectors: ['node-death'], perDecade: 2 }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    expect(r.settings.head).toBe('classification');
    expect(r.warnings[0]).toMatch(/whole network read.*classification Fisher on the logits at the last position/);
    expect(r.layers.map((l) => [l.layer, l.width])).toEqual([['blocks.0.mlp.in', T.MLP], ['blocks.1.mlp.in', T.MLP]]);
    const m = await loadModel(sources, { probe });
    const f = m.probe.data.length / probe;
    const xs = Array.from({ length: probe }, (_, s) => m.probe.data.slice(s * f, (s + 1) * f));
    const w = await tensorsOf(ck.bytes);
    const forward = (tw: R.Tensors, x: Float64Array) => R.transformerLensForward(tw, [...x], { D: T.D, H: T.HEADS, layers: T.LAYERS, dh: T.DH, eps: 1e-5, act: 'relu' });
    for (const u of [2, 11]) {
      const dir = r.directions.find((d) => d.id === `node-death:blocks.1.mlp.in:${u}`)!;
      // METHOD §4 node death: (W_in[:, u], b_in[u]) and W_out[u, :], each normalised, /√2 (W_in, W_out stored [in, out])
      const alpha = [...Array.from({ length: T.D }, (_, i) => w['blocks.1.mlp.W_in'][i * T.MLP + u]), w['blocks.1.mlp.b_in'][u]];
      const beta = Array.from({ length: T.D }, (_, o) => w['blocks.1.mlp.W_out'][u * T.D + o]);
      const na = Math.hypot(...alpha), nb = Math.hypot(...beta);
      const move = (tw: R.Tensors, t: number): R.Tensors => {
        const c = { ...tw, 'blocks.1.mlp.W_in': tw['blocks.1.mlp.W_in'].slice(), 'blocks.1.mlp.b_in': tw['blocks.1.mlp.b_in'].slice(), 'blocks.1.mlp.W_out': tw['blocks.1.mlp.W_out'].slice() };
        for (let i = 0; i < T.D; i++) c['blocks.1.mlp.W_in'][i * T.MLP + u] += (t * alpha[i]) / na / Math.SQRT2;
        c['blocks.1.mlp.b_in'][u] += (t * alpha[T.D]) / na / Math.SQRT2;
        for (let o = 0; o < T.D; o++) c['blocks.1.mlp.W_out'][u * T.D + o] += (t * beta[o]) / nb / Math.SQRT2;
        return c;
      };
      for (const i of [0, dir.scan.t.length - 1]) {
        const t = dir.scan.t[i];
        const F = R.classificationFisher(forward, w, move, t, xs);
        expect(Math.abs(dir.scan.F[i] - F) / F, `unit ${u}, t = ${t}`).toBeLessThan(1e-5);
      }
    }
  }, 120_000);

  it('lecture GPT (one module per head, joined by concat): a node-death scan equals the independent forward\'s classification Fisher; every per-head QK and VO gauge reads gauge', async () => {
    const ck = T.perHead();
    const sources = { checkpoint: bytesSource(ck.bytes), checkpointName: 'gpt.safetensors' };
    const probe = 8;
    const r = await readCheckpoint(sources, { probe, detectors: ['node-death', 'qk-rotation', 'vo-linear'], perDecade: 2 }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    const gauges = r.directions.filter((d) => d.detector === 'qk-rotation' || d.detector === 'vo-linear');
    expect(gauges.length).toBe(2 * T.LAYERS * T.HEADS);
    for (const d of gauges) expect(d.class, d.id).toBe('gauge');
    // head 1's QK rotation moves head 1's own query and key modules only
    expect(gauges.find((d) => d.id === 'qk-rotation:blocks.0.sa:1')!.tensors.sort()).toEqual(['blocks.0.sa.heads.1.key.weight', 'blocks.0.sa.heads.1.query.weight']);
    const m = await loadModel(sources, { probe });
    const f = m.probe.data.length / probe;
    const xs = Array.from({ length: probe }, (_, s) => m.probe.data.slice(s * f, (s + 1) * f));
    const w = await tensorsOf(ck.bytes);
    const forward = (tw: R.Tensors, x: Float64Array) => R.lectureGptForward(tw, [...x], { D: T.D, H: T.HEADS, layers: T.LAYERS, eps: 1e-5 });
    const u = 6, up = 'blocks.0.ffwd.net.0', down = 'blocks.0.ffwd.net.2';
    const dir = r.directions.find((d) => d.id === `node-death:${up}:${u}`)!;
    // (W_up[u, :], b_up[u]) and W_down[:, u], each normalised, /√2 (nn.Linear [out, in])
    const alpha = [...Array.from({ length: T.D }, (_, i) => w[`${up}.weight`][u * T.D + i]), w[`${up}.bias`][u]];
    const beta = Array.from({ length: T.D }, (_, o) => w[`${down}.weight`][o * T.MLP + u]);
    const na = Math.hypot(...alpha), nb = Math.hypot(...beta);
    const move = (tw: R.Tensors, t: number): R.Tensors => {
      const c = { ...tw, [`${up}.weight`]: tw[`${up}.weight`].slice(), [`${up}.bias`]: tw[`${up}.bias`].slice(), [`${down}.weight`]: tw[`${down}.weight`].slice() };
      for (let i = 0; i < T.D; i++) c[`${up}.weight`][u * T.D + i] += (t * alpha[i]) / na / Math.SQRT2;
      c[`${up}.bias`][u] += (t * alpha[T.D]) / na / Math.SQRT2;
      for (let o = 0; o < T.D; o++) c[`${down}.weight`][o * T.MLP + u] += (t * beta[o]) / nb / Math.SQRT2;
      return c;
    };
    for (const i of [0, dir.scan.t.length - 1]) {
      const t = dir.scan.t[i];
      const F = R.classificationFisher(forward, w, move, t, xs);
      expect(Math.abs(dir.scan.F[i] - F) / F, `t = ${t}`).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('vit-pytorch (nested Residual(PreNorm(…)) wrappers): read whole; every LayerNorm-kernel and QK-rotation direction reads gauge', async () => {
    const ck = T.nestedWrappers();
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 8, perDecade: 2, detectors: ['ln-kernel', 'qk-rotation', 'vo-linear'] }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    expect(r.settings.head).toBe('classification');
    const gauges = r.directions.filter((d) => d.detector !== 'ln-kernel');
    expect(gauges.length).toBe(2 * T.LAYERS * T.HEADS);
    expect(r.directions.filter((d) => d.detector === 'ln-kernel').length).toBeGreaterThan(0);
    for (const d of r.directions) expect(d.class, d.id).toBe('gauge');
  }, 120_000);

  it('LLaMA HF: a planted dead SwiGLU unit (gate row, up row, down column zero) reads k = 3 in the whole network', async () => {
    const ck = T.llamaHf(3);
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 16, detectors: ['glu-unit'] }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    const dead = r.directions.find((d) => d.id === 'glu-unit:model.layers.0.mlp.gate_proj:3')!;
    expect(dead.class).toBe('singular');
    expect(dead.kRounded).toBe(3);
    const live = r.directions.filter((d) => d.class === 'live');
    expect(live.length).toBeGreaterThan(T.MLP);
    for (const d of live) expect(d.kRounded).toBe(1);
  }, 120_000);

  it('Phi-3 fused gate_up: every SwiGLU unit is seen through the two slices (gate rows u, up rows MLP + u); a planted dead unit reads k = 3', async () => {
    const ck = T.fusedPhi3(5);
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'phi3.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 16, detectors: ['glu-unit'] }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    const units = r.directions.filter((d) => d.detector === 'glu-unit');
    expect(units.length).toBe(T.LAYERS * T.MLP);
    expect(units.every((d) => d.predictedK === 3)).toBe(true);
    const dead = units.find((d) => d.id === 'glu-unit:model.layers.0.mlp.gate_up_proj:5')!;
    expect([dead.class, dead.kRounded]).toEqual(['singular', 3]);
    const live = units.filter((d) => d.class === 'live');
    expect(live.length).toBeGreaterThan(T.MLP);
    for (const d of live) expect(d.kRounded).toBe(1);
  }, 120_000);

  it('a hyperparameter neither config.json nor the shapes give: scope whole names it (exit 2), scope auto reads block-locally and says why', async () => {
    const ck = T.gpt2Hf();
    const sources = { checkpoint: bytesSource(ck.bytes), checkpointName: 'gpt2.safetensors' };
    await expect(readCheckpoint(sources, { probe: 8, scope: 'whole' }, new CpuEngine())).rejects.toThrow(InputError);
    await expect(readCheckpoint(sources, { probe: 8, scope: 'whole' }, new CpuEngine())).rejects.toThrow(/needs the number of heads \(n_head/);
    const r = await readCheckpoint(sources, { probe: 8, perDecade: 2, detectors: ['node-death'] }, new CpuEngine());
    expect(r.scope).toBe('block-local');
    expect(r.warnings[0]).toMatch(/whole network is not read \(the number of attention heads is not known\)/);
  }, 60_000);

  it('token inputs that do not fit the model are the user\'s mistake: ids outside the vocabulary, more positions than the context', async () => {
    const ck = T.llamaHf();
    const tokens = (shape: number[], data: number[]) => bytesSource(writeSafetensors([{ name: 'tokens', dtype: 'I64', shape, data: data.map(BigInt) }]));
    const read = (inputs: ReturnType<typeof bytesSource>) => loadModel({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config), inputs, inputsName: 'tokens.safetensors' }, {});
    await expect(read(tokens([2, 3], [0, 1, 2, 3, 4, T.VOCAB]))).rejects.toThrow(/tokens\.safetensors: token 11 at position 5 is not an id of the 11-token vocabulary/);
    await expect(read(tokens([1, T.CTX + 1], Array.from({ length: T.CTX + 1 }, () => 1)))).rejects.toThrow(/tokens\.safetensors: 6 positions per sample, more than the model's context 5/);
    const ok = await read(tokens([2, 3], [0, 1, 2, 3, 4, 5]));
    expect([ok.graph.inputShape, ok.probe.count, ok.probeDescription]).toEqual([[3], 2, 'tokens.safetensors:tokens (all 2)']);
  });
});
