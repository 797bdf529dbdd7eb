/**
 * A slice of the last axis: [..., F] → [..., length], features start … start + length − 1 (the
 * q, k, v thirds of a fused qkv projection; the gate and up halves of a fused gate_up).
 */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface SliceOp {
  kind: 'slice';
  start: number;
  length: number;
}

export const sliceDefinition: OpDefinition<'slice'> = {
  kind: 'slice',
  arity: 1,
  // a feature passes through alone; but a unit is a feature of the whole map, not of a slice
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (op, [x]) => [...x.slice(0, -1), op.length],
  inputError(op, [x]) {
    const F = x[x.length - 1];
    return op.start + op.length > F ? `slice ${op.start}…${op.start + op.length - 1} is outside a last axis of ${F}` : null;
  },
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch(layer, ctx) {
    const start = Number(layer.start ?? 0), length = Number(layer.length);
    if (!Number.isInteger(start) || start < 0) ctx.bad(`layer ${ctx.index}: slice needs a "start" ≥ 0, gets ${layer.start}`);
    if (!Number.isInteger(length) || length < 1) ctx.bad(`layer ${ctx.index}: slice needs a "length" ≥ 1, gets ${layer.length}`);
    return { kind: 'slice', start, length };
  },
  toArch: (op) => ({ op: 'slice', start: op.start, length: op.length }),
  label: (op) => ({ kind: 'Slice', detail: `features ${op.start}…${op.start + op.length - 1}`, name: null }),
};
