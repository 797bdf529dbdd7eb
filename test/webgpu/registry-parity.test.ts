/**
 * Every op in the registry on the GPU against its f64 reference, on the odd shapes of
 * test/ops/samples.ts: the op's own encoder (src/ops/<kind>/gpu.ts) on G = 2 queries × M = 3
 * samples, with per-query input tangents and per-query tensor tangents, values and tangents within
 * 1e-4 of the reference relative to the tensor's scale. Loops over the registry: a new op is
 * checked once it has a sample.
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/op-def.ts';
import type { OpKind } from '../../src/ops/types.ts';
import type { ParamRef } from '../../src/engine/webgpu/context.ts';
import type { ParamSet, TensorPatch } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { ALL_SAMPLES } from '../ops/samples.ts';
import { f32, flowBuffer, group, readFlow, record, relErr, skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();
const TOL = 1e-4;
const G = 2, M = 3;
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe.skipIf(!gpu)(`every registered op: WGSL vs its f64 reference${skipNote(gpu)}`, () => {
  for (const [i, s] of ALL_SAMPLES.entries()) {
    const def = OPS[s.kind] as unknown as OpDef<OpKind>;
    if (!def.gpu.encode) {
      it(`${s.kind} (${s.note}): aliases its input on the GPU, and its reference is the identity on the data`, () => {
        const x = Float64Array.from({ length: size(s.inputs[0]) }, (_, k) => k);
        expect(def.reference.forward(s.op, { n: 1, inShapes: s.inputs, params: new Map(), xs: [x], dxs: [null], tangent: null }).y).toEqual(x);
      });
      continue;
    }
    for (const cpuLike of [false, true]) it(`${s.kind} (${s.note}, ${cpuLike ? 'barrier-free' : 'tiled'})`, async () => {
      gpu!.ctx.cpuLike = cpuLike;
      const rng = createRng(500 + i);
      // checkpoint tensors in `params`, per-query tangents in `patch`
      const specs = def.tensorSpecs(s.op, s.inputs);
      const params: ParamSet = new Map();
      const tangents: TensorPatch = new Map();
      const pdata: number[] = [];
      const tdata: number[] = [];
      const valueRef = new Map<string, ParamRef>();
      const tangentRef = new Map<string, ParamRef>();
      for (const t of specs) {
        const n = size(t.shape);
        const draw = t.role === 'variance' ? () => 0.5 + rng.next() : t.role === 'scale' ? () => 1 + 0.3 * rng.normal() : () => 0.5 * rng.normal();
        const data = f32(Float64Array.from({ length: n }, draw));
        params.set(t.name, { shape: t.shape, data });
        valueRef.set(t.name, { src: 'params', off: pdata.length, gs: 0 });
        pdata.push(...data);
        if (t.role === 'mean' || t.role === 'variance') continue;
        const tan = f32(Float64Array.from({ length: G * n }, () => rng.normal()));
        tangents.set(t.name, tan);
        tangentRef.set(t.name, { src: 'patch', off: tdata.length, gs: n });
        tdata.push(...tan);
      }
      const xs = s.inputs.map((shape) => f32(Float64Array.from({ length: G * M * size(shape) }, () => rng.normal())));
      const dxs = s.inputs.map((shape) => f32(Float64Array.from({ length: G * M * size(shape) }, () => rng.normal())));
      // token ids: integers as f32 numbers, without a tangent
      if (s.tokens) {
        xs[0] = Float64Array.from(xs[0], () => Math.floor(rng.next() * s.tokens!));
        dxs[0].fill(0);
      }
      const ins = s.inputs.map((shape, k) => flowBuffer(gpu!, G, M * size(shape), xs[k], dxs[k], `x${k}`));
      const outPer = M * size(def.outputShape(s.op, s.inputs));
      const out = flowBuffer(gpu!, G, outPer, null, null, 'y');
      const rec = gpu!.ctx.recorder();
      def.gpu.encode!(rec, s.op, {
        G, M, inShapes: s.inputs, xs: ins, y: { buffer: out.buffer, ref: { ...out.ref, tan: true } },
        params: gpu!.ctx.upload(Float32Array.from(pdata.length ? pdata : [0]), 'params'),
        patch: gpu!.ctx.upload(Float32Array.from(tdata.length ? tdata : [0]), 'patch'),
        value: (n) => (n === null ? null : valueRef.get(n)!),
        tangent: (n) => (n === null ? null : (tangentRef.get(n) ?? null)),
      });
      await rec.submit();
      const got = await readFlow(gpu!, out.buffer, G, outPer);
      for (let g = 0; g < G; g++) {
        const tangent: TensorPatch = new Map([...tangents].map(([n, a]) => [n, group(a, g, a.length / G)]));
        const ref = def.reference.forward(s.op, {
          n: M, inShapes: s.inputs, params,
          xs: xs.map((x, k) => group(x, g, M * size(s.inputs[k]))), dxs: dxs.map((x, k) => group(x, g, M * size(s.inputs[k]))), tangent,
        });
        const tag = `${s.kind} ${s.note}${cpuLike ? ' (barrier-free)' : ''}`;
        expect(record(`${tag} value`, relErr(group(got.y, g, outPer), ref.y))).toBeLessThan(TOL);
        expect(record(`${tag} tangent`, relErr(group(got.dy, g, outPer), ref.dy!))).toBeLessThan(TOL);
      }
    });
  }
});
