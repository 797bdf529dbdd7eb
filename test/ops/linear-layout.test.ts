/**
 * linear in its stored layouts: the f64 reference against y = W x written out from each layout's
 * definition (GPT-2 Conv1D [in, out], TransformerLens W_Q [H, in, dh] and W_O [H, dh, out], per
 * position over [T, in]); the architecture JSON round-trip; the CPU engine's sparse flows through
 * such a stack (a residual add included) against the dense f64 reference.
 */
import { describe, expect, it } from 'vitest';
import { linearReference } from '../../src/ops/linear/reference.ts';
import { linearDefinition, linearWeightIndex, type LinearOp } from '../../src/ops/linear/definition.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint, type FisherQuery, type ParamSet } from '../../src/engine/types.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { lnKernel, lnMean, lnScale } from '../../src/detectors/layernorm.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { graphToArch } from '../../src/state/arch.ts';
import { architectureFromJson } from '../../src/model/infer.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { denseFisher } from '../helpers/residual.ts';
import { LAYOUT_ARCH, LAYOUT_TENSORS, layoutGraph } from '../helpers/layouts.ts';

const rng = createRng(5);
const normal = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

/** y[t, o] = Σ_i W(o, i)·x[t, i] + b[o] with W(o, i) read by `at` straight from the stored tensor. */
function plain(x: Float64Array, T: number, I: number, O: number, b: Float64Array | null, at: (o: number, i: number) => number): Float64Array {
  const y = new Float64Array(T * O);
  for (let t = 0; t < T; t++) for (let o = 0; o < O; o++) {
    let acc = b ? b[o] : 0;
    for (let i = 0; i < I; i++) acc += at(o, i) * x[t * I + i];
    y[t * O + o] = acc;
  }
  return y;
}

function forward(op: LinearOp, W: Float64Array, b: Float64Array | null, x: Float64Array, inShape: number[]): Float64Array {
  const params: ParamSet = new Map([[op.weight, { shape: linearDefinition.tensorSpecs(op, [inShape])[0].shape, data: W }]]);
  if (op.bias) params.set(op.bias, { shape: [op.outFeatures], data: b! });
  return linearReference.forward(op, { n: 1, inShapes: [inShape], params, xs: [x], dxs: [null], tangent: null }).y;
}

describe('linear: stored layouts', () => {
  const base = { kind: 'linear' as const, layer: 'l', weight: 'l.w', bias: 'l.b' };

  it('Conv1D [in, out]: W(o, i) = W[i, o]', () => {
    const I = 5, O = 3, T = 4;
    const W = normal(I * O), b = normal(O), x = normal(T * I);
    const op: LinearOp = { ...base, inFeatures: I, outFeatures: O, layout: 'in-out', positionwise: true };
    expect(linearDefinition.tensorSpecs(op, [[T, I]])[0].shape).toEqual([I, O]);
    expect(linearDefinition.outputShape(op, [[T, I]])).toEqual([T, O]);
    const y = forward(op, W, b, x, [T, I]);
    const want = plain(x, T, I, O, b, (o, i) => W[i * O + o]);
    y.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
  });

  it('W_Q [H, in, dh]: y[h·dh + j] = Σ_i W[h, i, j] x_i', () => {
    const H = 3, I = 4, dh = 2, T = 2;
    const W = normal(H * I * dh), b = normal(H * dh), x = normal(T * I);
    const op: LinearOp = { ...base, inFeatures: I, outFeatures: H * dh, layout: 'heads', heads: H, positionwise: true };
    expect(linearDefinition.tensorSpecs(op, [[T, I]])[0].shape).toEqual([H, I, dh]);
    const y = forward(op, W, b, x, [T, I]);
    const want = plain(x, T, I, H * dh, b, (o, i) => W[(Math.floor(o / dh) * I + i) * dh + (o % dh)]);
    y.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
  });

  it('W_O [H, dh, out]: the first two axes are the input h·dh + j', () => {
    const H = 2, dh = 3, O = 4;
    const W = normal(H * dh * O), x = normal(H * dh);
    const op: LinearOp = { ...base, bias: null, inFeatures: H * dh, outFeatures: O, layout: 'in-out', heads: H };
    expect(linearDefinition.tensorSpecs(op, [[H * dh]])[0].shape).toEqual([H, dh, O]);
    const y = forward(op, W, null, x, [H * dh]);
    const want = plain(x, 1, H * dh, O, null, (o, i) => W[((Math.floor(i / dh)) * dh + (i % dh)) * O + o]);
    y.forEach((v, k) => expect(v).toBeCloseTo(want[k], 12));
  });

  it('linearWeightIndex names the stored element of W(o, i) in every layout', () => {
    const heads: LinearOp = { ...base, inFeatures: 4, outFeatures: 6, layout: 'heads', heads: 3 };
    expect(linearWeightIndex(heads, 5, 3)).toBe((2 * 4 + 3) * 2 + 1);
    expect(linearWeightIndex({ ...base, inFeatures: 4, outFeatures: 6, layout: 'in-out' }, 5, 3)).toBe(3 * 6 + 5);
    expect(linearWeightIndex({ ...base, inFeatures: 4, outFeatures: 6 }, 5, 3)).toBe(5 * 4 + 3);
  });

  it('architecture JSON: layouts and positionwise round-trip with the residual inputs; a bad layout is refused', () => {
    const g = layoutGraph();
    const arch = JSON.parse(JSON.stringify(graphToArch(g)));
    expect(arch.layers).toEqual(LAYOUT_ARCH.layers);
    const back = architectureFromJson(arch, LAYOUT_TENSORS, null, {});
    expect(back.nodes).toEqual(g.nodes);
    expect(g.outputWidth).toBe(3);
    const wrong = { ...LAYOUT_ARCH, layers: LAYOUT_ARCH.layers.map((l, i) => (i === 0 ? { ...l, layout: 'rows' } : l)) };
    expect(() => architectureFromJson(wrong, LAYOUT_TENSORS, null, {})).toThrow(/unknown layout "rows"/);
    const flat = { ...LAYOUT_ARCH, layers: LAYOUT_ARCH.layers.map((l, i) => (i === 5 ? { ...l, layout: 'out-in' } : l)) };
    expect(() => architectureFromJson(flat, LAYOUT_TENSORS, null, {})).toThrow(/not 2-D/);
  });

  for (const head of ['classification', 'regression'] as const) it(`sparse CPU engine = dense f64 reference through every layout (${head})`, async () => {
    const g = layoutGraph();
    const r = createRng(23);
    const params = randomParams(g, r);
    const probe = randomProbe(g, 5, r);
    const engine = new CpuEngine();
    await engine.prepare(g, params, probe, head);
    const ctx = { model: g, params, probe, head, values: await engine.values(), settings: DEFAULT_SETTINGS, rng: r };
    const cands = [...(await bottomSubspace.detect(ctx)), ...lnMean.detect(ctx), ...lnScale.detect(ctx), ...lnKernel.detect(ctx)];
    expect(cands.filter((c) => c.detector === 'bottom-subspace').map((c) => c.layer)).toEqual(expect.arrayContaining(['mlp.c_fc', 'attn.q', 'attn.o']));
    const queries: FisherQuery[] = [];
    for (const c of cands) for (const t of [0, 0.2]) queries.push(linePoint(c.direction(), t));
    // single stored elements of each tensor: one row/column of one head, at every position
    for (const name of ['mlp.c_fc.weight', 'mlp.c_proj.weight', 'attn.q.weight', 'attn.q.bias', 'attn.o.weight', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['attn.q.weight', 'mlp.c_fc.bias'], r), tangent: randomPatch(params, ['attn.o.weight', 'ln.weight'], r) });
    queries.push({ delta: new Map(), tangent: randomPatch(params, ['mlp.c_proj.weight'], r) });
    const F = await engine.directionalFisher(queries);
    queries.forEach((q, i) => {
      const ref = denseFisher(g, params, probe, head, q);
      expect(Math.abs(F[i] - ref), `query ${i}`).toBeLessThanOrEqual(1e-10 * Math.max(ref, 1e-12));
    });
  });

  it('the LayerNorm gauges through stored layouts leave the outputs unchanged (mean and kernel)', async () => {
    const g = layoutGraph();
    const r = createRng(29);
    const params = randomParams(g, r);
    const probe = randomProbe(g, 5, r);
    const engine = new CpuEngine();
    await engine.prepare(g, params, probe, 'regression');
    const ctx = { model: g, params, probe, head: 'regression' as const, values: await engine.values(), settings: DEFAULT_SETTINGS, rng: r };
    const cands = [...lnKernel.detect(ctx)];
    expect(cands.length).toBe(1);
    const F = await engine.directionalFisher(cands.map((c) => linePoint(c.direction(), 0)));
    expect(F[0]).toBeLessThan(1e-20);
  });
});
