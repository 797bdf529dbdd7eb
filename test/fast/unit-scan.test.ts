/**
 * The fast CPU scan (src/fast) against the plain dense evaluation: node-death and ReLU-rescaling
 * lines and orbits, and dense live-probe tangents, in f64 (to rounding) and f32 (to 1e-4); it skips
 * inactive rows and its work grows with the part of the net downstream of the direction.
 */
import { describe, expect, it } from 'vitest';
import { graphOps, type ModelGraph, type Op } from '../../src/model/graph.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { denseFisher } from '../helpers/residual.ts';
import { linePoint, SparsePatch, type FisherQuery, type Head, type ParamSet, type ProbeSet, type TensorPatch } from '../../src/engine/types.ts';
import { UnitScan, type Precision } from '../../src/fast/unit-scan.ts';
import { macCounter } from '../../src/fast/gemm.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { reluRescaling } from '../../src/detectors/relu-rescaling.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { createRng, graph, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';


const lin = (l: string, i: number, o: number): Op => ({ kind: 'linear', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inFeatures: i, outFeatures: o });
const act = (fn: 'relu' | 'tanh' | 'gelu' | 'relu2'): Op => ({ kind: 'activation', fn });

const models: [string, ModelGraph, Head][] = [
  ['ReLU MLP, three hidden layers, classification', graph([7], [lin('0', 7, 10), act('relu'), lin('2', 10, 8), act('relu'), lin('4', 8, 6), act('relu'), lin('6', 6, 5)]), 'classification'],
  ['ReLU² between, GELU tail, regression (rows pushed themselves)', graph([5], [lin('0', 5, 9), act('relu2'), lin('2', 9, 6), act('gelu'), lin('4', 6, 2)]), 'regression'],
  ['tanh MLP, classification', graph([4], [lin('0', 4, 6), act('tanh'), lin('2', 6, 5), act('tanh'), lin('4', 5, 3)]), 'classification'],
];

function setup(g: ModelGraph, head: Head, seed: number, n = 40) {
  const rng = createRng(seed);
  const params = randomParams(g, rng, 0.7);
  const probe = randomProbe(g, n, rng);
  const acts = evaluateDense(g, params, probe.data, n, { keepValues: true }).values!;
  const ctx = { model: g, params, probe, head, values: acts, settings: DEFAULT_SETTINGS, rng };
  return { rng, params, probe, acts, ctx, scan: (p: Precision) => new UnitScan({ model: g, ops: graphOps(g), params, head, n, acts }, p) };
}

describe('fast unit scan = dense evaluation', () => {
  for (const [name, g, head] of models) {
    it(name, () => {
      const { rng, params, probe, ctx, scan } = setup(g, head, 11);
      const cands = [...nodeDeath.detect(ctx), ...reluRescaling.detect(ctx)];
      const queries: FisherQuery[] = [];
      for (const c of cands) {
        const v = c.direction();
        for (const t of [1e-4, 1e-2, 0.3, 1]) queries.push(linePoint(v, t));
        if (c.orbit) for (const t of [1e-3, 0.5]) queries.push(c.orbit(t));
      }
      // live-reference probes: dense tangents at θ̂ over each layer pair
      const linears = graphOps(g).filter((o): o is Extract<Op, { kind: 'linear' }> => o.kind === 'linear');
      for (let l = 0; l + 1 < linears.length; l++) {
        queries.push({ delta: new Map(), tangent: randomPatch(params, [linears[l].weight, linears[l].bias!, linears[l + 1].weight], rng) });
      }
      const ref = queries.map((q) => denseFisher(g, params, probe, head, q));
      const top = Math.max(...ref);
      for (const [precision, tol] of [['f64', 1e-10], ['f32', 1e-4]] as const) {
        const out = new Float64Array(queries.length);
        const done = scan(precision).answer(queries, out);
        expect(done.every((d) => d === 1), `${precision}: every query taken`).toBe(true);
        queries.forEach((_, i) => {
          expect(Math.abs(out[i] - ref[i]), `${precision} query ${i}: ${out[i]} vs ${ref[i]}`).toBeLessThanOrEqual(tol * Math.max(ref[i], 1e-12 * top));
        });
      }
    });
  }

  it('reads a detector\'s sparse direction exactly as its dense copy (SparsePatch is a TensorPatch)', () => {
    const [, g, head] = models[0];
    const { ctx, scan } = setup(g, head, 17);
    const cands = [...nodeDeath.detect(ctx), ...reluRescaling.detect(ctx)];
    const sparse: FisherQuery[] = [];
    const dense: FisherQuery[] = [];
    for (const c of cands) {
      const v = c.direction();
      expect(v).toBeInstanceOf(SparsePatch);
      // the dense copy written entry by entry from the non-zeros, independently of SparsePatch.get
      const copy: TensorPatch = new Map();
      for (const [name, nz] of (v as SparsePatch).nonZeros) {
        const a = new Float64Array(nz.length);
        nz.index.forEach((i, e) => (a[i] = nz.values[e]));
        copy.set(name, a);
        expect(Array.from(v.get(name)!)).toEqual(Array.from(a));
      }
      expect([...v].map(([n, a]) => [n, Array.from(a)])).toEqual([...copy].map(([n, a]) => [n, Array.from(a)]));
      for (const t of [1e-3, 0.5]) {
        sparse.push(linePoint(v, t));
        dense.push(linePoint(copy, t));
      }
    }
    const a = new Float64Array(sparse.length);
    const b = new Float64Array(dense.length);
    scan('f64').answer(sparse, a);
    scan('f64').answer(dense, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('leaves what it cannot take to the engine (a LayerNorm in the tail)', () => {
    const g = graph([5], [lin('0', 5, 6), act('relu'), lin('2', 6, 6), { kind: 'layernorm', layer: '3', weight: '3.weight', bias: '3.bias', eps: 1e-5 }, lin('4', 6, 2)]);
    const { ctx, scan } = setup(g, 'regression', 3);
    const qs = nodeDeath.detect(ctx).map((c) => linePoint(c.direction(), 0.1));
    expect(Array.from(scan('f64').answer(qs, new Float64Array(qs.length)))).toEqual(qs.map(() => 0));
  });
});

describe('work of the fast scan', () => {
  it('an inactive unit costs no downstream work and reads F = 0 exactly', () => {
    const g = graph([7], [lin('0', 7, 10), act('relu'), lin('2', 10, 8), act('relu'), lin('4', 8, 5)]);
    const { params, ctx } = setup(g, 'classification', 5);
    params.get('0.bias')!.data[3] = -1e3; // unit 3 of layer 0 never fires: z ≪ 0 on every probe
    const fresh = evaluateDense(g, params, ctx.probe.data, ctx.probe.count, { keepValues: true }).values!;
    const s = new UnitScan({ model: g, ops: graphOps(g), params, head: 'classification', n: ctx.probe.count, acts: fresh }, 'f64');
    const dead = nodeDeath.detect({ ...ctx, values: fresh }).find((c) => c.id === 'node-death:0:3')!;
    const v = dead.direction();
    const qs = [1e-3, 0.1, 1].map((t) => linePoint(v, t));
    const out = new Float64Array(3);
    const mac0 = macCounter.value;
    s.answer(qs, out);
    expect(Array.from(out)).toEqual([0, 0, 0]);
    expect(s.stats.active).toBe(0);
    // only the per-row unit update (3 points × 40 samples × (2 + 1 activation)) was counted, nothing downstream
    expect(macCounter.value - mac0).toBeLessThanOrEqual(3 * 40 * 3);
  });

  it('grows with the downstream part: a wider tail costs proportionally more, a later layer less', () => {
    const macsOf = (tailWidth: number, layer: string) => {
      const g = graph([6], [lin('0', 6, 12), act('relu'), lin('2', 12, 10), act('relu'), lin('4', 10, tailWidth), act('relu'), lin('6', tailWidth, 3)]);
      const { ctx, params } = setup(g, 'classification', 9, 64);
      // every hidden ReLU on for every probe: all rows active, none crosses a kink
      for (const b of ['0.bias', '2.bias', '4.bias']) params.get(b)!.data.fill(50);
      for (const w of ['2.weight', '4.weight']) params.get(w)!.data.forEach((x, i, a) => (a[i] = Math.abs(x)));
      const acts = evaluateDense(g, params, ctx.probe.data, 64, { keepValues: true }).values!;
      const s = new UnitScan({ model: g, ops: graphOps(g), params, head: 'classification', n: 64, acts }, 'f64');
      const c = nodeDeath.detect({ ...ctx, params, values: acts }).find((d) => d.id === `node-death:${layer}:0`)!;
      const v = c.direction();
      const mac0 = macCounter.value;
      s.answer([1e-3, 1e-2].map((t) => linePoint(v, t)), new Float64Array(2));
      expect(s.stats.direct).toBe(0);
      return macCounter.value - mac0;
    };
    const narrow = macsOf(40, '0');
    const wide = macsOf(160, '0');
    // the tail of a layer-0 unit after its consumer is 10 → w → 3: about 13·w multiply-adds per sample
    expect(wide / narrow).toBeGreaterThan(3);
    expect(wide / narrow).toBeLessThan(4.2);
    expect(macsOf(160, '4')).toBeLessThan(wide / 5);
  });
});
