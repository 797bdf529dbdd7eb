/**
 * slice, patchify, cls, scale and mean: their f64 values written out from their definitions (PyTorch's
 * `x[..., a:b]`, ViT's `flatten(2).transpose(1, 2)`, `cat([cls_token, x], 1)`, `x * lambda1`);
 * a tiny ViT block in architecture JSON (residual add, three slices of a fused qkv) round-trips
 * and the CPU engine's sparse flows through it equal the dense f64 reference.
 */
import { describe, expect, it } from 'vitest';
import { REFERENCES } from '../../src/ops/references.ts';
import type { ForwardArgs } from '../../src/ops/op-def.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint, type FisherQuery, type ParamSet } from '../../src/engine/types.ts';
import { graphToArch } from '../../src/state/arch.ts';
import { architectureFromJson } from '../../src/model/infer.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { denseFisher } from '../helpers/residual.ts';
import { VIT_ARCH, VIT_TENSORS, vitGraph } from '../helpers/vit.ts';

const rng = createRng(7);
const normal = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const args = (x: Float64Array, shape: number[], params: ParamSet = new Map()): ForwardArgs => ({ n: 2, inShapes: [shape], params, xs: [x], dxs: [null], tangent: null });

describe('sequence ops: values', () => {
  it('slice keeps features start … start + length − 1 of the last axis', () => {
    const x = normal(2 * 3 * 10);
    const y = REFERENCES.slice.forward({ kind: 'slice', start: 4, length: 5 }, args(x, [3, 10])).y;
    for (let r = 0; r < 6; r++) for (let c = 0; c < 5; c++) expect(y[r * 5 + c]).toBe(x[r * 10 + 4 + c]);
  });

  it('patchify: patch (i, j) of the [D, h, w] map is row i·w + j, its D channels the features', () => {
    const D = 3, h = 2, w = 5;
    const x = normal(2 * D * h * w);
    const y = REFERENCES.patchify.forward({ kind: 'patchify' }, args(x, [D, h, w])).y;
    for (let s = 0; s < 2; s++) for (let d = 0; d < D; d++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++)
      expect(y[s * D * h * w + (i * w + j) * D + d]).toBe(x[s * D * h * w + (d * h + i) * w + j]);
  });

  it('cls prepends the stored token as position 0', () => {
    const T = 3, D = 4;
    const c = normal(D), x = normal(2 * T * D);
    const y = REFERENCES.cls.forward({ kind: 'cls', layer: 'e', weight: 'c' }, args(x, [T, D], new Map([['c', { shape: [1, 1, D], data: c }]]))).y;
    for (let s = 0; s < 2; s++) {
      expect(Array.from(y.subarray(s * (T + 1) * D, s * (T + 1) * D + D))).toEqual(Array.from(c));
      expect(Array.from(y.subarray(s * (T + 1) * D + D, (s + 1) * (T + 1) * D))).toEqual(Array.from(x.subarray(s * T * D, (s + 1) * T * D)));
    }
  });

  it('register tokens: R stored tokens inserted after position 0 (`cat(x[:, :1], reg, x[:, 1:])`), tangent likewise', () => {
    const T = 3, D = 4, R = 2;
    const c = normal(R * D), x = normal(2 * T * D), dc = normal(R * D);
    const op = { kind: 'cls', layer: 'e', weight: 'r', tokens: R, at: 1 } as const;
    const params = new Map([['r', { shape: [1, R, D], data: c }]]);
    const { y, dy } = REFERENCES.cls.forward(op, { ...args(x, [T, D], params), tangent: new Map([['r', dc]]) });
    for (let s = 0; s < 2; s++) {
      const row = (a: Float64Array, t: number) => Array.from(a.subarray((s * (T + R) + t) * D, (s * (T + R) + t + 1) * D));
      const xr = (t: number) => Array.from(x.subarray((s * T + t) * D, (s * T + t + 1) * D));
      expect([0, 1, 2, 3, 4].map((t) => row(y, t))).toEqual([xr(0), Array.from(c.subarray(0, D)), Array.from(c.subarray(D)), xr(1), xr(2)]);
      expect(row(dy!, 2)).toEqual(Array.from(dc.subarray(D)));
      expect(row(dy!, 0)).toEqual([0, 0, 0, 0]);
    }
  });

  it('scale multiplies feature d of every position by γ_d', () => {
    const T = 3, D = 4;
    const g = normal(D), x = normal(2 * T * D);
    const y = REFERENCES.scale.forward({ kind: 'scale', layer: 's', weight: 'g' }, args(x, [T, D], new Map([['g', { shape: [D], data: g }]]))).y;
    y.forEach((v, k) => expect(v).toBe(x[k] * g[k % D]));
  });

  it('mean from position 1: the average of the patch tokens after CLS (`x[:, 1:].mean(dim=1)`), with its tangent', () => {
    const T = 4, D = 3;
    const x = normal(2 * T * D), dx = normal(2 * T * D);
    const { y, dy } = REFERENCES.mean.forward({ kind: 'mean', start: 1 }, { ...args(x, [T, D]), dxs: [dx] });
    for (let s = 0; s < 2; s++) for (let d = 0; d < D; d++) {
      const at = (a: Float64Array, t: number) => a[(s * T + t) * D + d];
      expect(y[s * D + d]).toBeCloseTo((at(x, 1) + at(x, 2) + at(x, 3)) / 3, 14);
      expect(dy![s * D + d]).toBeCloseTo((at(dx, 1) + at(dx, 2) + at(dx, 3)) / 3, 14);
    }
  });
});

describe('a tiny ViT block (branching graph with slices)', () => {
  it('round-trips through architecture JSON, inputs and fields included', () => {
    const g = vitGraph();
    expect(g.outputWidth).toBe(3);
    const arch = JSON.parse(JSON.stringify(graphToArch(g)));
    expect(arch.layers).toEqual(VIT_ARCH.layers);
    expect(architectureFromJson(arch, VIT_TENSORS, null, {}).nodes).toEqual(g.nodes);
    const bad = { ...VIT_ARCH, layers: VIT_ARCH.layers.map((l, i) => (i === 8 ? { ...l, start: 13 } : l)) };
    expect(() => architectureFromJson(bad, VIT_TENSORS, null, {})).toThrow(/outside a last axis of 18/);
  });

  for (const head of ['classification', 'regression'] as const) it(`sparse CPU engine = dense f64 reference (${head})`, async () => {
    const g = vitGraph();
    const r = createRng(41);
    const params = randomParams(g, r);
    const probe = randomProbe(g, 4, r);
    const engine = new CpuEngine();
    await engine.prepare(g, params, probe, head);
    const queries: FisherQuery[] = [];
    for (const name of ['patch.weight', 'emb.cls_token', 'pos.weight', 'qkv.weight', 'qkv.bias', 'o.weight', 'ls1.lambda1', 'head.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[a.length - 2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1), linePoint(new Map([[name, a]]), 0));
    }
    queries.push({ delta: randomPatch(params, ['ls1.lambda1', 'emb.cls_token'], r), tangent: randomPatch(params, ['qkv.weight', 'ls1.lambda1'], r) });
    queries.push({ delta: randomPatch(params, ['patch.bias'], r), tangent: randomPatch(params, ['emb.cls_token', 'o.bias'], r) });
    const F = await engine.directionalFisher(queries);
    queries.forEach((q, i) => {
      const ref = denseFisher(g, params, probe, head, q);
      expect(Math.abs(F[i] - ref), `query ${i}`).toBeLessThanOrEqual(1e-10 * Math.max(ref, 1e-12));
    });
  });
});
