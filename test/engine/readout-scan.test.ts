/**
 * The readout scan (src/engine/cpu/readout-scan.ts) against the plain f64 sparse engine on a small
 * Hugging Face GPT-2 (two blocks, Conv1D weights, tied unembedding): every direction that moves
 * units of the last MLP, at steps where the GELU moves far from its linear part, heads
 * classification and logits, F within 1e-9 relative; the read's class and kRounded equal.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/format/safetensors.ts';
import { loadModel, readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint, scaledPoint, SparsePatch, type FisherQuery, type TensorPatch } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { pickSettings } from '../../src/read/pipeline.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import type { ParamSet, ProbeSet, Head } from '../../src/engine/types.ts';
import * as T from '../helpers/transformers.ts';

const ck = T.gpt2Hf();
const sources = () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'gpt2.safetensors', configText: JSON.stringify(ck.config) });
const last = 'transformer.h.1.mlp';

/** The f64 engine without the readout scan: every query through the sparse flows. */
class PlainEngine extends CpuEngine {
  async prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head): Promise<void> {
    await super.prepare(model, params, probe, head);
    this.readout = null;
  }
}

describe('readout scan: the last MLP units of a transformer read at one position', () => {
  for (const head of ['classification', 'logits'] as const) {
    it(`${head}: F equals the sparse engine's to 1e-9 at steps 1e-3 … 3, node death and mixed unit directions`, async () => {
      const m = await loadModel(sources(), { probe: 6, head });
      const fast = new CpuEngine({ precision: 'f64' });
      const plain = new PlainEngine({ precision: 'f64' });
      await fast.prepare(m.graph, m.params, m.probe, m.head);
      await plain.prepare(m.graph, m.params, m.probe, m.head);
      expect(fast.readout).not.toBeNull();
      const values = await fast.values();
      const rng = createRng(3);
      const ctx = { model: m.graph, params: m.params, probe: m.probe, head: m.head, values, settings: pickSettings(m.options), rng };
      const units = (await nodeDeath.detect(ctx)).filter((c) => c.layer === `${last}.c_fc`);
      expect(units.length).toBe(T.MLP);
      const dirs: TensorPatch[] = units.slice(0, 6).map((c) => c.direction());
      // two units with a consumer patch that is not their columns (the K vectors stay apart), dense arrays
      const two = (a: number, b: number): TensorPatch => {
        const fc = new Float64Array(T.D * T.MLP), bias = new Float64Array(T.MLP), proj = new Float64Array(T.MLP * T.D);
        for (const u of [a, b]) {
          for (let i = 0; i < T.D; i++) fc[i * T.MLP + u] = rng.normal(); // Conv1D [in, out]
          bias[u] = rng.normal();
          for (let o = 0; o < T.D; o++) proj[u * T.D + o] = rng.normal();
        }
        return new Map([[`${last}.c_fc.weight`, fc], [`${last}.c_fc.bias`, bias], [`${last}.c_proj.weight`, proj]]);
      };
      dirs.push(two(2, 9), two(0, 15));
      // the producer row alone, given by its non-zeros
      dirs.push(new SparsePatch(new Map([[`${last}.c_fc.bias`, { length: T.MLP, index: Int32Array.from([4]), values: Float64Array.from([1]) }]])));
      const queries: FisherQuery[] = [];
      for (const v of dirs) {
        for (const t of [1e-3, 0.1, 0.7, 3]) queries.push(linePoint(v, t));
        // an orbit-like point: delta and tangent scaled per tensor
        const names = [...v.keys()];
        queries.push(scaledPoint(v, new Map(names.map((n, i) => [n, 0.4 * (i + 1)])), new Map(names.map((n, i) => [n, 1 - 0.3 * i]))));
      }
      const F = await fast.directionalFisher(queries);
      const G = await plain.directionalFisher(queries);
      expect(fast.readout!.stats.queries).toBe(queries.length);
      let worst = 0;
      for (let q = 0; q < queries.length; q++) {
        expect(G[q]).toBeGreaterThan(0);
        worst = Math.max(worst, Math.abs(F[q] - G[q]) / G[q]);
      }
      console.log(`${head}: ${queries.length} queries, largest relative F difference ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-9);
      // f32 (the head form in WebAssembly for classification) within 1e-4
      const f32 = new CpuEngine({ precision: 'f32' });
      await f32.prepare(m.graph, m.params, m.probe, m.head);
      const F32 = await f32.directionalFisher(queries);
      let worst32 = 0;
      for (let q = 0; q < queries.length; q++) worst32 = Math.max(worst32, Math.abs(F32[q] - G[q]) / G[q]);
      console.log(`${head} f32: largest relative F difference ${worst32.toExponential(2)}`);
      expect(worst32).toBeLessThan(1e-4);
    });
  }

  it('directions it does not take (the first block, attention) go through the sparse flows, and through its readout product', async () => {
    const m = await loadModel(sources(), { probe: 4 });
    const rng = createRng(5);
    const a = new Float64Array(T.MLP);
    a[3] = 1;
    const queries = [
      linePoint(new Map([['transformer.h.0.mlp.c_fc.bias', a]]), 0.5),
      linePoint(new Map([['transformer.h.1.attn.c_proj.bias', Float64Array.from({ length: T.D }, () => rng.normal())]]), 0.5),
      linePoint(new Map([['transformer.h.1.attn.c_attn.weight', Float64Array.from({ length: 3 * T.D * T.D }, () => rng.normal())]]), 0.2),
      { delta: new Map(), tangent: new Map([['transformer.h.0.ln_1.weight', Float64Array.from({ length: T.D }, () => rng.normal())]]) },
      // the readout's own (tied) weight: its flow rule
      linePoint(new Map([['transformer.wte.weight', Float64Array.from({ length: T.VOCAB * T.D }, () => rng.normal())]]), 0.1),
    ];
    const plain = new PlainEngine({ precision: 'f64' });
    await plain.prepare(m.graph, m.params, m.probe, m.head);
    const G = await plain.directionalFisher(queries);
    for (const precision of ['f64', 'f32'] as const) {
      const fast = new CpuEngine({ precision });
      await fast.prepare(m.graph, m.params, m.probe, m.head);
      const F = await fast.directionalFisher(queries);
      expect(fast.readout!.stats.queries).toBe(0);
      for (let q = 0; q < queries.length; q++) expect(Math.abs(F[q] - G[q]) / G[q]).toBeLessThan(precision === 'f64' ? 1e-9 : 1e-4);
      if (precision === 'f32') expect(fast.description).toMatch(/readout in f32/);
    }
  });

  it('a node-death read: class and kRounded as the sparse engine reads them, f32 and f64', async () => {
    const options = { probe: 8, detectors: ['node-death'], perDecade: 2 };
    const plain = await readCheckpoint(sources(), options, new PlainEngine({ precision: 'f64' }));
    for (const precision of ['f64', 'f32'] as const) {
      const fast = await readCheckpoint(sources(), { ...options, precision }, new CpuEngine({ precision }));
      expect(fast.directions.map((d) => [d.id, d.class, d.kRounded])).toEqual(plain.directions.map((d) => [d.id, d.class, d.kRounded]));
      let worst = 0;
      fast.directions.forEach((d, i) => d.scan.F.forEach((f, j) => {
        const g = plain.directions[i].scan.F[j];
        if (g > 1e-12 * Math.max(...plain.directions[i].scan.F)) worst = Math.max(worst, Math.abs(f - g) / g);
      }));
      expect(worst).toBeLessThan(precision === 'f64' ? 1e-9 : 1e-4);
    }
  });
});
