/**
 * Every op in the registry against central differences of its own f64 forward: the JVP (input and
 * tensor tangents together) and, where the op has one, the VJP through the adjoint identity
 * ⟨c, J·dx⟩ = ⟨Jᵀ·c, dx⟩. Loops over the registry, so a new op is checked once it has a sample.
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/ops/registry.ts';
import { OP_KINDS } from '../../src/ops/definitions.ts';
import type { OpDef } from '../../src/ops/op-def.ts';
import type { OpKind } from '../../src/ops/types.ts';
import type { ParamSet, TensorPatch } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { ALL_SAMPLES, SAMPLES } from './samples.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const N = 3;

function setup(kind: OpKind, sample: (typeof ALL_SAMPLES)[number], seed: number) {
  const rng = createRng(seed);
  const def = OPS[kind] as unknown as OpDef<OpKind>;
  const params: ParamSet = new Map();
  const tangent: TensorPatch = new Map();
  for (const t of def.tensorSpecs(sample.op, sample.inputs)) {
    const n = size(t.shape);
    const draw = t.role === 'variance' ? () => 0.5 + rng.next() : t.role === 'scale' ? () => 1 + 0.3 * rng.normal() : () => 0.5 * rng.normal();
    params.set(t.name, { shape: t.shape, data: Float64Array.from({ length: n }, draw) });
    // running statistics are buffers, not parameters: no tangent
    if (t.role !== 'mean' && t.role !== 'variance') tangent.set(t.name, Float64Array.from({ length: n }, () => rng.normal()));
  }
  const xs = sample.inputs.map((s) => Float64Array.from({ length: N * size(s) }, () => rng.normal()));
  const dxs = sample.inputs.map((s) => Float64Array.from({ length: N * size(s) }, () => rng.normal()));
  // token ids: integers, constant along every direction
  if (sample.tokens) {
    xs[0] = Float64Array.from(xs[0], () => Math.floor(rng.next() * sample.tokens!));
    dxs[0].fill(0);
  }
  return { def, params, tangent, xs, dxs };
}

describe('op registry', () => {
  it('has a definition, reference, flow slot and WebGPU part for every kind, and a sample for each', () => {
    expect(OP_KINDS.length).toBeGreaterThan(0);
    for (const k of OP_KINDS) {
      const d = OPS[k];
      expect(d.kind).toBe(k);
      expect(typeof d.reference.forward).toBe('function');
      expect(d.gpu.encode === null || d.gpu.kernels.length > 0).toBe(true);
      expect(SAMPLES[k].length).toBeGreaterThan(0);
    }
  });

  for (const [i, s] of ALL_SAMPLES.entries()) {
    it(`${s.kind} (${s.note}): JVP equals central differences of the forward`, () => {
      const { def, params, tangent, xs, dxs } = setup(s.kind, s, 100 + i);
      const at = (h: number) => {
        const p: ParamSet = new Map([...params].map(([n, t]) => {
          const v = tangent.get(n);
          return [n, { shape: t.shape, data: v ? t.data.map((x, j) => x + h * v[j]) : t.data }];
        }));
        return def.reference.forward(s.op, { n: N, inShapes: s.inputs, params: p, xs: xs.map((x, k) => x.map((v, j) => v + h * dxs[k][j])), dxs: xs.map(() => null), tangent: null }).y;
      };
      const { y, dy } = def.reference.forward(s.op, { n: N, inShapes: s.inputs, params, xs, dxs, tangent });
      expect(y.length).toBe(N * size(def.outputShape(s.op, s.inputs)));
      const h = 1e-5;
      const yp = at(h), ym = at(-h);
      let err = 0, scale = 0;
      for (let j = 0; j < y.length; j++) {
        const fd = (yp[j] - ym[j]) / (2 * h);
        err = Math.max(err, Math.abs(fd - dy![j]));
        scale = Math.max(scale, Math.abs(fd));
      }
      expect(scale).toBeGreaterThan(0);
      expect(err / scale).toBeLessThan(1e-7);
    });

    const vjp = (OPS[s.kind] as unknown as OpDef<OpKind>).reference.vjp;
    if (vjp) it(`${s.kind} (${s.note}): VJP is the adjoint of the JVP`, () => {
      const { def, params, xs, dxs } = setup(s.kind, s, 200 + i);
      const out = size(def.outputShape(s.op, s.inputs));
      const rows = 2;
      const rng = createRng(300 + i);
      for (let smp = 0; smp < N; smp++) {
        const xs1 = xs.map((x, k) => x.slice(smp * size(s.inputs[k]), (smp + 1) * size(s.inputs[k])));
        const dxs1 = dxs.map((x, k) => x.slice(smp * size(s.inputs[k]), (smp + 1) * size(s.inputs[k])));
        const jdx = def.reference.forward(s.op, { n: 1, inShapes: s.inputs, params, xs: xs1, dxs: dxs1, tangent: null }).dy!;
        const c = Float64Array.from({ length: rows * out }, () => rng.normal());
        const back = vjp(s.op, { params, inShapes: s.inputs, xs: xs1, rows, cotangent: c });
        for (let r = 0; r < rows; r++) {
          let lhs = 0, rhs = 0;
          for (let j = 0; j < out; j++) lhs += c[r * out + j] * jdx[j];
          back.forEach((b, k) => {
            const w = size(s.inputs[k]);
            for (let j = 0; j < w; j++) rhs += b[r * w + j] * dxs1[k][j];
          });
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * Math.max(1, Math.abs(lhs)));
        }
      }
    });
  }
});
