/**
 * The LayerNorm gauges of METHOD §4 on random weights: a finite step along each `ln-mean`,
 * `ln-scale` and `ln-kernel` direction leaves a plain f64 forward pass written here unchanged to
 * rounding (ln-scale exactly at ε = 0, up to ε otherwise), while a random direction on the same
 * tensors moves it; the kernel is not emitted where an activation sits between the norm and the map.
 * Both stored layouts of the maps ([out, in] nn.Linear, [in, out] Conv1D). Through a pooled readout
 * (a position and a mean of positions joined by concat, DINOv2's classifier) one kernel per column
 * block, checked on an independent forward of the HF model.
 */
import { describe, expect, it } from 'vitest';
import { chainGraph, type Op } from '../../src/model/graph.ts';
import { lnKernel, lnMean, lnScale } from '../../src/detectors/layernorm.ts';
import type { Candidate, DetectorContext } from '../../src/detectors/types.ts';
import type { ParamSet } from '../../src/engine/types.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { createRng, randomUnitVector } from '../../src/math/random.ts';
import { randomParams } from '../helpers/models.ts';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { loadModel } from '../../src/read/pipeline.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

const IN = 5, H = 7, MID = 4, OUT = 3;

function model(eps: number, layout: 'out-in' | 'in-out') {
  const ops: Op[] = [
    { kind: 'linear', layer: 'a', weight: 'a.weight', bias: 'a.bias', inFeatures: IN, outFeatures: H, layout },
    { kind: 'layernorm', layer: 'ln', weight: 'ln.weight', bias: 'ln.bias', eps },
    { kind: 'linear', layer: 'b', weight: 'b.weight', bias: 'b.bias', inFeatures: H, outFeatures: MID, layout },
    { kind: 'activation', fn: 'tanh' },
    { kind: 'linear', layer: 'c', weight: 'c.weight', bias: 'c.bias', inFeatures: MID, outFeatures: OUT },
  ];
  const graph = chainGraph([IN], ops);
  const params = randomParams(graph, createRng(3));
  return { graph, params };
}

/** y = c(tanh(b(LN(a x)))) with W[o, i] read from either layout: written from the definitions */
function forward(p: ParamSet, x: Float64Array, eps: number, layout: 'out-in' | 'in-out'): Float64Array {
  const lin = (n: string, v: ArrayLike<number>, I: number, O: number, lay: 'out-in' | 'in-out') => Float64Array.from({ length: O }, (_, o) => {
    let s = p.get(`${n}.bias`)!.data[o];
    for (let i = 0; i < I; i++) s += v[i] * p.get(`${n}.weight`)!.data[lay === 'out-in' ? o * I + i : i * O + o];
    return s;
  });
  const h = lin('a', x, IN, H, layout);
  const mu = h.reduce((s, z) => s + z, 0) / H;
  const v = h.reduce((s, z) => s + (z - mu) ** 2, 0) / H;
  const n = h.map((z, i) => ((z - mu) / Math.sqrt(v + eps)) * p.get('ln.weight')!.data[i] + p.get('ln.bias')!.data[i]);
  const m = lin('b', n, H, MID, layout).map(Math.tanh);
  return lin('c', m, MID, OUT, 'out-in');
}

function moved(p: ParamSet, step: Map<string, Float64Array>, t: number): ParamSet {
  return new Map([...p].map(([n, a]) => {
    const d = step.get(n);
    return [n, { shape: a.shape, data: d ? a.data.map((x, i) => x + t * d[i]) : a.data }];
  }));
}

const XS = (() => {
  const rng = createRng(9);
  return Array.from({ length: 6 }, () => Float64Array.from({ length: IN }, () => rng.normal()));
})();

function change(a: ParamSet, b: ParamSet, eps: number, layout: 'out-in' | 'in-out'): number {
  let worst = 0, scale = 0;
  for (const x of XS) {
    const y0 = forward(a, x, eps, layout), y1 = forward(b, x, eps, layout);
    y0.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - y1[i])); scale = Math.max(scale, Math.abs(v)); });
  }
  return worst / scale;
}

function context(graph: DetectorContext['model'], params: ParamSet): DetectorContext {
  return { model: graph, params, probe: { count: 0, shape: [IN], data: new Float64Array() }, head: 'classification', values: [], settings: DEFAULT_SETTINGS, rng: createRng(7) };
}

describe('LayerNorm gauges leave a plain forward pass unchanged', () => {
  for (const layout of ['out-in', 'in-out'] as const) {
    it(`ln-mean, ln-scale (ε = 0) and ln-kernel, maps stored ${layout}`, () => {
      const eps = 0;
      const { graph, params } = model(eps, layout);
      const ctx = context(graph, params);
      const cands: Candidate[] = [...lnMean.detect(ctx), ...lnScale.detect(ctx), ...lnKernel.detect(ctx)];
      expect(cands.map((c) => c.id)).toEqual(['ln-mean:ln', 'ln-scale:ln', 'ln-kernel:ln']);
      expect(cands.map((c) => c.tensors.sort())).toEqual([['a.bias', 'a.weight'], ['a.bias', 'a.weight'], ['b.bias', 'b.weight']]);
      const rng = createRng(11);
      for (const c of cands) {
        const v = c.direction();
        for (const t of [0.3, 1.5]) expect(change(params, moved(params, v, t), eps, layout), `${c.id} at t = ${t}`).toBeLessThan(1e-13);
        const random = new Map(c.tensors.map((n) => [n, randomUnitVector(params.get(n)!.data.length, rng)]));
        expect(change(params, moved(params, random, 0.3), eps, layout), `${c.id}: control`).toBeGreaterThan(1e-3);
      }
    });
  }

  it('ln-scale with ε > 0: the output moves only at the order of ε relative to the variance', () => {
    const eps = 1e-5;
    const { graph, params } = model(eps, 'out-in');
    const [c] = lnScale.detect(context(graph, params));
    const d = change(params, moved(params, c.direction(), 1.5), eps, 'out-in');
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(1e-4);
  });

  it('no kernel where an activation sits between the LayerNorm and the map', () => {
    const ops: Op[] = [
      { kind: 'linear', layer: 'a', weight: 'a.weight', bias: 'a.bias', inFeatures: IN, outFeatures: H },
      { kind: 'layernorm', layer: 'ln', weight: 'ln.weight', bias: 'ln.bias', eps: 1e-5 },
      { kind: 'activation', fn: 'gelu' },
      { kind: 'linear', layer: 'b', weight: 'b.weight', bias: 'b.bias', inFeatures: H, outFeatures: OUT },
    ];
    const graph = chainGraph([IN], ops);
    const params = randomParams(graph, createRng(4));
    expect(lnKernel.detect(context(graph, params))).toEqual([]);
    expect(lnMean.detect(context(graph, params)).length).toBe(1);
  });
});

describe('LayerNorm kernel through a pooled readout (DINOv2 classifier on cat[y₀, mean y₁…])', () => {
  it('one kernel per column block of the classifier; a finite step leaves the independent forward of HF\'s code unchanged, a random one moves it', async () => {
    const ck = T.dinov2Classifier();
    const m = await loadModel({ checkpoint: bytesSource(ck.bytes), checkpointName: 'dino.safetensors', configText: JSON.stringify(ck.config) }, { probe: 3, scope: 'whole' });
    const ctx: DetectorContext = { model: m.graph, params: m.params, probe: m.probe, head: 'classification', values: [], settings: DEFAULT_SETTINGS, rng: createRng(5) };
    const kernels = lnKernel.detect(ctx).filter((c) => c.layer === 'dinov2.layernorm');
    expect(kernels.map((c) => c.id).sort()).toEqual([`ln-kernel:dinov2.layernorm:classifier@0`, `ln-kernel:dinov2.layernorm:classifier@${T.D}`]);
    const file = await openSafetensors(bytesSource(ck.bytes), 'dino.safetensors');
    const w: Record<string, Float64Array> = {};
    for (const t of file.tensors) w[t.name] = await file.readFloat64(t.name);
    const d = { D: T.D, H: T.HEADS, layers: T.LAYERS, eps: 1e-6, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH };
    const f = m.probe.data.length / m.probe.count;
    const images = Array.from({ length: m.probe.count }, (_, s) => m.probe.data.slice(s * f, (s + 1) * f));
    const change = (step: Map<string, Float64Array>) => {
      const moved = { ...w };
      for (const [n, v] of step) moved[n] = w[n].map((x, i) => x + v[i]);
      let worst = 0, scale = 0;
      for (const x of images) {
        const a = R.vitForward(w, x, d, 'dinov2-classifier'), b = R.vitForward(moved, x, d, 'dinov2-classifier');
        a.forEach((z, i) => { worst = Math.max(worst, Math.abs(z - b[i])); scale = Math.max(scale, Math.abs(z)); });
      }
      return worst / scale;
    };
    for (const c of kernels) {
      const v = c.direction();
      const cols = [...v.get('classifier.weight')!].flatMap((x, k) => (x !== 0 ? [k % (2 * T.D)] : []));
      // the block of columns the norm's features reach: CLS at 0…D−1, the mean of the patches at D…2D−1
      const from = c.id.endsWith('@0') ? 0 : T.D;
      expect(cols.every((k) => k >= from && k < from + T.D), c.id).toBe(true);
      expect(change(new Map([...v].map(([n, a]) => [n, a.map((x) => 1.5 * x)]))), c.id).toBeLessThan(1e-12);
      const rng = createRng(9);
      expect(change(new Map([...v].map(([n, a]) => [n, randomUnitVector(a.length, rng).map((x) => 1.5 * x)]))), `${c.id}: control`).toBeGreaterThan(1e-4);
    }
  });
});
