/**
 * Concatenation of two values along the last axis: [..., Fa] and [..., Fb] → [..., Fa + Fb]
 * (the heads of an attention layer stored one module per head, joined as `torch.cat(heads, -1)`;
 * H heads are H − 1 concats).
 */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface ConcatOp { kind: 'concat' }

export const concatDefinition: OpDefinition<'concat'> = {
  kind: 'concat',
  arity: 2,
  // a feature passes through alone; but a unit is a feature of the map producing it, not of the join
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [a, b]) => [...a.slice(0, -1), a[a.length - 1] + b[b.length - 1]],
  inputError(_op, [a, b]) {
    const lead = (s: number[]) => s.slice(0, -1).join(', ');
    return a.length !== b.length || lead(a) !== lead(b) ? `joins values whose leading axes differ ([${a}] and [${b}])` : null;
  },
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: () => ({ kind: 'concat' }),
  toArch: () => ({ op: 'concat' }),
  label: () => ({ kind: 'Concat', detail: 'last axis', name: null }),
};
