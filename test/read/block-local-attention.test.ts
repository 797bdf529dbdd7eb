/**
 * Attention layers read block-locally (where the whole network is not read): the layer alone on
 * seeded N(0, 1) sequences [T, D], Q/K/V → attention → output projection, wired as the whole
 * network wires it. Its plain forward equals an independent one written from the stored tensors
 * (test/helpers/transformer-forward.ts: Conv1D GPT-2; LLaMA with GQA and half-split rotary), and
 * its query–key, value–output and key-bias gauges read class gauge (exact under rotary: only the
 * 2×2 blocks that commute with it are emitted). Cross-attention and a layer whose heads nothing
 * gives are not read, each saying why.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { bytesSource, openSafetensors, type SafetensorsFile } from '../../src/format/safetensors.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { planBlockLocal } from '../../src/read/block-local.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { DEFAULT_OPTIONS } from '../../src/read/options.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { fixture } from '../helpers/read.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

const GPT2 = 'gpt2_modadd23_s1.safetensors';
const gpt2Config = () => readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8');

/** the attention chain's plain forward on its own probe, one [T·D] row per sample, and the samples as sequences */
async function attentionChain(file: SafetensorsFile, config: Record<string, unknown> | null, name: string, probe: number) {
  const plan = (await planBlockLocal(file, config, { ...DEFAULT_OPTIONS, probe }))!;
  const chain = plan.chains.find((c) => c.name === name)!;
  expect(chain, name).toBeDefined();
  const inputs = chain.probe();
  const { z, outWidth } = evaluateDense(chain.graph, await chain.loadParams(), inputs.data, inputs.count);
  const [Tn, D] = inputs.shape;
  const seqs = Array.from({ length: probe }, (_, s) => Array.from({ length: Tn }, (_, t) => inputs.data.slice((s * Tn + t) * D, (s * Tn + t + 1) * D)));
  return { plan, chain, out: Array.from({ length: probe }, (_, s) => z.slice(s * outWidth, (s + 1) * outWidth)), seqs, Tn, D };
}

async function tensorsOf(file: SafetensorsFile): Promise<R.Tensors> {
  const w: R.Tensors = {};
  for (const t of file.tensors) w[t.name] = await file.readFloat64(t.name);
  return w;
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  const scale = Math.max(...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]))) / scale;
}

const flat = (seq: Float64Array[]) => Float64Array.from(seq.flatMap((x) => [...x]));

describe('attention layers read block-locally', () => {
  it('GPT-2 fixture: the layer alone equals an independent forward (Conv1D c_attn, 4 causal heads, c_proj); its gauges read gauge', async () => {
    const src = await fileSource(fixture(GPT2));
    try {
      const file = await openSafetensors(src, GPT2);
      const config = JSON.parse(gpt2Config()) as Record<string, unknown>;
      const { chain, out, seqs, Tn, D } = await attentionChain(file, config, 'transformer.h.0.attn (attention)', 6);
      // the context (3 positions) of the model's width 32
      expect([Tn, D]).toEqual([3, 32]);
      expect(chain.graph.nodes.map((n) => n.op.kind)).toEqual(['linear', 'slice', 'slice', 'slice', 'attention', 'linear']);
      const w = await tensorsOf(file);
      const p = 'transformer.h.0.attn';
      seqs.forEach((x, s) => {
        const qkv = x.map((u) => R.lin(u, w[`${p}.c_attn.weight`], w[`${p}.c_attn.bias`], D, 3 * D, 'in-out'));
        const a = R.attention(qkv.map((u) => u.slice(0, D)), qkv.map((u) => u.slice(D, 2 * D)), qkv.map((u) => u.slice(2 * D)), 4, 4, true, null);
        const y = flat(a.map((u) => R.lin(u, w[`${p}.c_proj.weight`], w[`${p}.c_proj.bias`], D, D, 'in-out')));
        expect(maxRelErr(out[s], y), `sample ${s}`).toBeLessThan(1e-12);
      });
      const r = await readCheckpoint({ checkpoint: src, checkpointName: GPT2, configText: gpt2Config() }, { probe: 16, perDecade: 2, scope: 'block-local' }, new CpuEngine({ precision: 'f64' }));
      const dirs = r.directions.filter((d) => d.block === 'transformer.h.0.attn (attention)');
      const count = (det: string) => dirs.filter((d) => d.detector === det).length;
      // per head: a query–key rotation and general-linear map, a value–output map, a key-bias shift
      expect([count('qk-rotation'), count('qk-linear'), count('vo-linear'), count('softmax-shift')]).toEqual([4, 4, 4, 4]);
      expect(dirs.length).toBe(16);
      for (const d of dirs) {
        expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
        expect(d.scope).toBe('block-local');
      }
      // no direction id is read twice (the norm → c_attn pair keeps its own)
      expect(new Set(r.directions.map((d) => d.id)).size).toBe(r.directions.length);
    } finally {
      await src.close();
    }
  }, 120_000);

  it('LLaMA HF (GQA 2 → 1, half-split rotary): the layer alone equals the independent forward; every query–key direction reads gauge', async () => {
    const ck = T.llamaHf();
    const file = await openSafetensors(bytesSource(ck.bytes), 'llama.safetensors');
    const { out, seqs, D } = await attentionChain(file, ck.config, 'model.layers.1.self_attn (attention)', 5);
    const w = await tensorsOf(file);
    const p = 'model.layers.1.self_attn';
    const dh = T.DH;
    seqs.forEach((x, s) => {
      const [q, k, v] = (['q', 'k', 'v'] as const).map((m) => x.map((u) => R.lin(u, w[`${p}.${m}_proj.weight`], null, D, m === 'q' ? D : dh, 'out-in')));
      const a = R.attention(q, k, v, T.HEADS, 1, true, { base: 10000, convention: 'half-split' });
      expect(maxRelErr(out[s], flat(a.map((u) => R.lin(u, w[`${p}.o_proj.weight`], null, D, D, 'out-in')))), `sample ${s}`).toBeLessThan(1e-12);
    });
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 12, perDecade: 2, scope: 'block-local', detectors: ['qk-rotation', 'qk-linear', 'vo-linear'] }, new CpuEngine({ precision: 'f64' }));
    const dirs = r.directions.filter((d) => d.block?.endsWith('(attention)'));
    // one per key/value group and layer
    expect(dirs.length).toBe(3 * T.LAYERS);
    for (const d of dirs) expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
  }, 120_000);

  it('not read, saying why: a GPT-2 whose heads nothing gives; cross-attention (its keys and values read the other stack)', async () => {
    const bare = await readCheckpoint({ checkpoint: bytesSource(T.gpt2Hf().bytes), checkpointName: 'gpt2.safetensors' }, { probe: 8, perDecade: 2, detectors: ['qk-rotation'] }, new CpuEngine());
    const skipped = bare.blocks!.filter((b) => !b.read);
    expect(skipped.map((b) => b.block)).toEqual(['transformer.h.0.attn (attention)', 'transformer.h.1.attn (attention)']);
    for (const b of skipped) expect(b.why).toMatch(/number of heads is not known \(n_head/);
    const ed = T.encoderDecoder();
    const r = await readCheckpoint({ checkpoint: bytesSource(ed.bytes), checkpointName: 'ed.safetensors', configText: JSON.stringify(ed.config) }, { probe: 8, perDecade: 2, detectors: ['qk-rotation'], contextCap: 8 }, new CpuEngine());
    const cross = r.blocks!.filter((b) => b.kind === 'attention' && /cross/.test(b.block) && b.block.endsWith('(attention)'));
    expect(cross.length).toBe(T.LAYERS);
    for (const b of cross) expect([b.read, b.why]).toEqual([false, expect.stringMatching(/cross-attention/)]);
    // the self-attention layers of both stacks are read
    const self = r.blocks!.filter((b) => b.kind === 'attention' && b.read && b.block.endsWith('(attention)'));
    expect(self.length).toBe(2 * T.LAYERS);
    for (const d of r.directions) expect(d.class, d.id).toBe('gauge');
  }, 120_000);
});
