/**
 * Every op's `positionsRead` (which positions of its inputs a sequence output at some positions
 * reads; the CPU engine cuts its flows to them, src/engine/cpu/positions.ts) against the op's own
 * f64 forward: changing an input at the positions it says are not read leaves the output at the
 * positions asked for exactly as it was, and changing the positions it says are read moves it (at some position asked).
 */
import { describe, expect, it } from 'vitest';
import { OPS } from '../../src/ops/registry.ts';
import type { OpDef } from '../../src/ops/op-def.ts';
import type { OpKind } from '../../src/ops/types.ts';
import type { ParamSet } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { ALL_SAMPLES } from './samples.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const N = 2;

describe('positionsRead: the positions of its inputs an op reads, checked on its f64 forward', () => {
  let masked = 0;
  for (const [i, s] of ALL_SAMPLES.entries()) {
    it(`${s.kind} (${s.note})`, () => {
      const rng = createRng(300 + i);
      const def = OPS[s.kind] as unknown as OpDef<OpKind>;
      const params: ParamSet = new Map();
      for (const t of def.tensorSpecs(s.op, s.inputs)) {
        const draw = t.role === 'variance' ? () => 0.5 + rng.next() : t.role === 'scale' ? () => 1 + 0.3 * rng.normal() : () => 0.5 * rng.normal();
        params.set(t.name, { shape: t.shape, data: Float64Array.from({ length: size(t.shape) }, draw) });
      }
      const xs = s.inputs.map((sh) => Float64Array.from({ length: N * size(sh) }, () => rng.normal()));
      if (s.tokens) xs[0] = Float64Array.from(xs[0], () => Math.floor(rng.next() * s.tokens!));
      const output = def.outputShape(s.op, s.inputs);
      const forward = (ins: Float64Array[]) =>
        def.reference.forward(s.op, { n: N, inShapes: s.inputs, params, xs: ins, dxs: ins.map(() => null), tangent: null }).y;
      const y = forward(xs);
      const outSize = size(output);
      const sequence = output.length === 2;
      // each output position alone (a sequence output), else the whole output
      const cut = new Set<number>(), movedBy = new Set<number>();
      const asks: (number | null)[] = sequence ? [...Array(output[0]).keys()] : [null];
      for (const t0 of asks) {
        const out = t0 === null ? null : Uint8Array.from({ length: output[0] }, (_, t) => Number(t === t0));
        const seen = (v: Float64Array) => Array.from({ length: N }, (_, n) => {
          const row = v.subarray(n * outSize, (n + 1) * outSize);
          return Array.from(t0 === null ? row : row.subarray(t0 * output[1], (t0 + 1) * output[1]));
        });
        const reads = def.positionsRead(s.op, out, s.inputs, output);
        expect(reads.length).toBe(s.inputs.length);
        reads.forEach((mask, k) => {
          if (mask === null || (k === 0 && s.tokens)) return;
          masked++;
          const [T, F] = s.inputs[k];
          expect(mask.length).toBe(T);
          const moved = (read: boolean) => xs.map((x, j) => j !== k ? x : x.map((v, e) => (Boolean(mask[Math.floor((e % (T * F)) / F)]) === read ? v + 0.5 + rng.next() : v)));
          // the positions not read: the output asked for stays exactly as it was
          expect(seen(forward(moved(false)))).toEqual(seen(y));
          // the positions read move it (at some position asked: causal attention's first query sees one key, so its output is v₀ whatever q₀)
          if (JSON.stringify(seen(forward(moved(true)))) !== JSON.stringify(seen(y))) movedBy.add(k);
          cut.add(k);
        });
      }
      expect([...movedBy].sort()).toEqual([...cut].sort());
    });
  }
  it('cuts some input of some sample (the check above is not empty)', () => expect(masked).toBeGreaterThan(10));
});
