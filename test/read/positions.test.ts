/**
 * positions `all` (issue 12): the whole GPT-2 network's output is the logits at every position and
 * the directional Fisher is the sum over positions of each position's own Fisher form, averaged over
 * samples. Checked against an independent forward (test/helpers/transformer-forward.ts) differentiated
 * by central differences, position by position, on the f64 CPU engine.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { InputError, loadModel, readCheckpoint } from '../../src/read/pipeline.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { parseReadArgs } from '../../src/cli/args.ts';
import { createRng } from '../../src/math/random.ts';
import type { Head } from '../../src/engine/types.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

const ck = T.gpt2Hf();
const sources = () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'gpt2.safetensors', configText: JSON.stringify(ck.config) });
const forward = (w: R.Tensors, x: Float64Array, all: boolean) => R.gpt2Forward(w, [...x], { D: T.D, H: T.HEADS, layers: T.LAYERS, eps: 1e-5, act: 'gelu_tanh' }, { prefix: 'transformer.', stored: 'in-out', lmHead: 'transformer.wte.weight', allPositions: all });

async function tensorsOf(bytes: Uint8Array): Promise<R.Tensors> {
  const file = await openSafetensors(bytesSource(bytes), 't.safetensors');
  const out: R.Tensors = {};
  for (const t of file.tensors) out[t.name] = await file.readFloat64(t.name);
  return out;
}

/** Σ_t of the head's form of (J_t v) by central differences, each position its own softmax / centring; mean over samples. */
function referenceFisher(head: Head, w: R.Tensors, v: Map<string, Float64Array>, xs: Float64Array[], all: boolean): number {
  const h = 1e-5;
  const moved = (t: number): R.Tensors => {
    const out = { ...w };
    for (const [name, d] of v) out[name] = w[name].map((x, i) => x + t * d[i]);
    return out;
  };
  const plus = moved(h), minus = moved(-h);
  let F = 0;
  for (const x of xs) {
    const z = forward(w, x, all), a = forward(plus, x, all), b = forward(minus, x, all);
    const rows = all ? x.length : 1, V = T.VOCAB;
    for (let r = 0; r < rows; r++) {
      const zr = z.slice(r * V, (r + 1) * V);
      const jv = Array.from({ length: V }, (_, c) => (a[r * V + c] - b[r * V + c]) / (2 * h));
      if (head === 'logits') {
        const m = jv.reduce((s, u) => s + u, 0) / V;
        F += jv.reduce((s, u) => s + (u - m) ** 2, 0);
      } else {
        const mx = Math.max(...zr);
        const e = zr.map((u) => Math.exp(u - mx));
        const s = e.reduce((p, q) => p + q, 0);
        const p = e.map((u) => u / s);
        const mean = jv.reduce((acc, u, c) => acc + p[c] * u, 0);
        F += jv.reduce((acc, u, c) => acc + p[c] * (u - mean) ** 2, 0);
      }
    }
  }
  return F / xs.length;
}

describe('positions: the Fisher of the last position or summed over all positions', () => {
  for (const head of ['classification', 'logits'] as const) {
    it(`${head}: F with positions all = Σ_t of the per-position Fisher of an independent forward (central differences)`, async () => {
      const probe = 6;
      const w = await tensorsOf(ck.bytes);
      const rng = createRng(7);
      const names = ['transformer.h.0.mlp.c_fc.weight', 'transformer.h.1.attn.c_attn.weight', 'transformer.wte.weight', 'transformer.ln_f.bias'];
      const v = new Map(names.map((n) => [n, Float64Array.from(w[n], () => rng.normal() * 0.3)]));
      const results: Record<string, number> = {};
      for (const positions of ['last', 'all'] as const) {
        const m = await loadModel(sources(), { probe, positions, head });
        expect(m.graph.outputWidth).toBe(positions === 'all' ? T.CTX * T.VOCAB : T.VOCAB);
        expect(m.graph.outputPositions).toBe(positions === 'all' ? T.CTX : undefined);
        const engine = new CpuEngine({ precision: 'f64' });
        await engine.prepare(m.graph, m.params, m.probe, m.head);
        const [F] = await engine.directionalFisher([{ delta: new Map(), tangent: v }]);
        const f = m.probe.data.length / probe;
        const xs = Array.from({ length: probe }, (_, s) => m.probe.data.slice(s * f, (s + 1) * f));
        const ref = referenceFisher(head, w, v, xs, positions === 'all');
        console.log(`${head} positions ${positions}: F ${F.toExponential(6)}, central differences ${ref.toExponential(6)}, rel err ${(Math.abs(F - ref) / ref).toExponential(2)}`);
        expect(Math.abs(F - ref) / ref).toBeLessThan(1e-6);
        results[positions] = F;
      }
      // the sum over five positions is not the last position's form
      expect(results.all).toBeGreaterThan(1.5 * results.last);
    });
  }

  it('a read with positions all records it, names the summed positions and does not claim an accuracy from per-sample labels', async () => {
    const tokens = Float64Array.from({ length: 4 * T.CTX }, (_, i) => (i * 7) % T.VOCAB);
    const inputs = writeSafetensors([{ name: 'tokens', dtype: 'I64', shape: [4, T.CTX], data: tokens }, { name: 'labels', dtype: 'I64', shape: [4], data: Float64Array.from([1, 2, 3, 4]) }]);
    const r = await readCheckpoint({ ...sources(), inputs: bytesSource(inputs), inputsName: 'in.safetensors' }, { positions: 'all', detectors: ['node-death'], perDecade: 1 }, new CpuEngine({ precision: 'f64' }));
    expect(r.settings.positions).toBe('all');
    expect(r.warnings[0]).toMatch(/logits at every position \(the Fisher summed over the 5\)/);
    expect(r.probe?.labels ?? null).toBeNull();
    expect(r.warnings.some((w) => /positions all: the labels .* no accuracy is reported/.test(w))).toBe(true);
  });

  it('positions is checked: a plain message for a bad value (options and CLI)', async () => {
    await expect(loadModel(sources(), { positions: 'every' as never })).rejects.toThrow(InputError);
    await expect(loadModel(sources(), { positions: 'every' as never })).rejects.toThrow(/positions must be last or all/);
    expect(() => parseReadArgs(['m.safetensors', '--positions', 'first'])).toThrow(/--positions must be last or all, got "first"/);
    expect(parseReadArgs(['m.safetensors', '--positions', 'all']).options.positions).toBe('all');
  });
});
