/**
 * The pattern scan (src/engine/cpu/pattern-scan.ts) answers every scaled query of a conv chain
 * (and every tangent-only query at θ̂) and equals the plain dense evaluation (the f64 reference, query by query), also at steps large
 * enough that many ReLUs change side and pools change winner. In the f32 mode (convolutions in the
 * f32 WebAssembly kernel, maps that cancel pushed in f64) F agrees to 1e-4 relative.
 */
import { describe, expect, it } from 'vitest';
import type { ModelGraph, Op } from '../../src/model/graph.ts';
import type { FisherQuery, Head } from '../../src/engine/types.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng, graph, randomParams, randomProbe } from '../helpers/models.ts';
import { denseFisher } from '../helpers/residual.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { reluRescaling } from '../../src/detectors/relu-rescaling.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { linePoint } from '../../src/engine/types.ts';

const bn = (l: string): Op => ({ kind: 'batchnorm', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, runningMean: `${l}.running_mean`, runningVar: `${l}.running_var`, eps: 1e-5 });
const conv = (l: string, i: number, o: number, k: number, stride = 1, pad = 0): Op => ({
  kind: 'conv2d', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inChannels: i, outChannels: o, kernel: [k, k], stride: [stride, stride], padding: [pad, pad],
});
const lin = (l: string, i: number, o: number): Op => ({ kind: 'linear', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inFeatures: i, outFeatures: o });
const relu: Op = { kind: 'activation', fn: 'relu' };

const models: [string, ModelGraph, Head][] = [
  // the MNIST conv net's op sequence, small: conv relu conv relu bn pool conv relu conv relu bn pool flatten linear
  ['MNIST-like conv net, classification', graph([1, 14, 14], [
    conv('c0', 1, 3, 3), relu, conv('c2', 3, 4, 3), relu, bn('b4'), { kind: 'maxpool', kernel: 2, stride: 2 },
    conv('c6', 4, 4, 2), relu, conv('c8', 4, 5, 2), relu, bn('b10'), { kind: 'maxpool', kernel: 2, stride: 1 },
    { kind: 'flatten' }, lin('l', 20, 3),
  ]), 'classification'],
  // padding, stride, overlapping pools, a linear tail with a ReLU, regression
  ['padded strided conv net, regression', graph([2, 9, 9], [
    conv('c0', 2, 3, 3, 2, 1), relu, { kind: 'maxpool', kernel: 3, stride: 1 }, conv('c3', 3, 4, 2, 1, 1), relu,
    { kind: 'flatten' }, lin('l5', 64, 6), relu, lin('l7', 6, 2),
  ]), 'regression'],
];

describe('pattern scan = dense evaluation', () => {
  for (const [name, g, head] of models) for (const [precision, tol] of [['f64', 1e-9], ['f32', 1e-4]] as const) {
    it(`${name} (${precision})`, async () => {
      const rng = createRng(11);
      const params = randomParams(g, rng);
      const probe = randomProbe(g, 5, rng);
      const engine = new CpuEngine({ precision });
      await engine.prepare(g, params, probe, head);
      expect(engine.pattern).not.toBeNull();
      const ctx = { model: g, params, probe, head, values: await engine.values(), settings: DEFAULT_SETTINGS, rng };
      const cands = [...nodeDeath.detect(ctx), ...(await bottomSubspace.detect(ctx)), ...reluRescaling.detect(ctx)];
      expect(cands.some((c) => c.orbit)).toBe(true);
      const queries: FisherQuery[] = [];
      for (const c of cands) {
        const v = c.direction();
        for (const t of [0, 1e-4, 1e-2, 0.3, 1, 3]) queries.push(linePoint(v, t));
        if (c.orbit) for (const t of [1e-3, 0.4, 2]) queries.push(c.orbit(t));
        // θ̂ itself with the direction as tangent (how the live-reference probes ask)
        queries.push({ delta: new Map(), tangent: v });
      }
      const F = await engine.directionalFisher(queries);
      // every query is scaled and touches conv or linear tensors only: the scan answers all those the unit scan does not
      const touchesConv = queries.filter((q) => [...q.tangent.keys()].some((n) => n.startsWith('c'))).length;
      expect(engine.pattern!.stats.queries).toBeGreaterThanOrEqual(touchesConv);
      const refs = queries.map((q) => denseFisher(g, params, probe, head, q));
      // F of an exact gauge (orbits, the live probes of a dead unit) is rounding noise, ~1e-30 in f64 and
      // ~1e-16 in f32: measured against a floor, absolute in f64, 1e-10 of the largest F in f32
      const floor = precision === 'f64' ? 1e-12 : 1e-10 * Math.max(...refs);
      let worst = 0;
      refs.forEach((ref, i) => {
        worst = Math.max(worst, Math.abs(F[i] - ref) / Math.max(ref, floor));
      });
      expect(worst).toBeLessThanOrEqual(tol);
      // f32: the relu-rescaling lines' in- and out-weight maps cancel, so those go in f64, and only those
      const { exactMaps, groups } = engine.pattern!.stats;
      if (precision === 'f32') expect(exactMaps > 0 && exactMaps < groups).toBe(true);
      else expect(exactMaps).toBe(0);
    });
  }
});

describe('pattern scan on float32-held weights', () => {
  // A checkpoint's weights are held as float32; the scan reads them as held (no f64 copy). Holding the
  // same values in f64 instead must give the same F to the last bit: every f64 sum reads the same
  // numbers, and the f32 kernel's copy of an f32 weight or of its exact f64 value is the same. The
  // second model has strided convs (scattered in JavaScript from the held array) and two linears.
  for (const [name, g, head] of models) for (const precision of ['f64', 'f32'] as const) {
    it(`${name} (${precision}): F bit-identical to the same values held in f64`, async () => {
      const rng = createRng(5);
      const held32 = randomParams(g, rng);
      for (const [k, t] of held32) held32.set(k, { shape: t.shape, data: Float32Array.from(t.data) });
      const held64 = new Map([...held32].map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
      const probe = randomProbe(g, 4, rng);
      const read = async (params: typeof held32) => {
        const engine = new CpuEngine({ precision });
        await engine.prepare(g, params, probe, head);
        const ctx = { model: g, params, probe, head, values: await engine.values(), settings: DEFAULT_SETTINGS, rng: createRng(3) };
        const cands = [...nodeDeath.detect(ctx), ...reluRescaling.detect(ctx)];
        const queries: FisherQuery[] = [];
        for (const c of cands) {
          const v = c.direction();
          for (const t of [1e-4, 0.3, 3]) queries.push(linePoint(v, t));
          if (c.orbit) queries.push(c.orbit(0.4));
        }
        const F = await engine.directionalFisher(queries);
        return { F, engine };
      };
      const a = await read(held32);
      const b = await read(held64);
      expect(a.engine.pattern!.stats.queries).toBeGreaterThan(0);
      expect(a.engine.pattern!.stats.queries).toBe(b.engine.pattern!.stats.queries);
      // the scan reads the ParamSet's own float32 arrays
      const weights = a.engine.pattern!.weightArrays();
      expect(weights.length).toBe(g.nodes.filter((n) => n.op.kind === 'conv2d' || n.op.kind === 'linear').length);
      for (const W of weights) {
        expect(W).toBeInstanceOf(Float32Array);
        expect([...held32.values()].some((t) => t.data === W)).toBe(true);
      }
      expect(a.F.length).toBeGreaterThan(50);
      expect(Float64Array.from(a.F)).toEqual(Float64Array.from(b.F));
      expect(a.F.every((f, i) => Object.is(f, b.F[i]))).toBe(true);
    });
  }
});
