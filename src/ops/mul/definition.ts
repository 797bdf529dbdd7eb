/** Element-wise product y = a ⊙ b of two values of the same shape (the gate of SwiGLU/GeGLU). */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface MulOp { kind: 'mul' }

export const mulDefinition: OpDefinition<'mul'> = {
  kind: 'mul',
  arity: 2,
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [a]) => a.slice(),
  inputError: (_op, [a, b]) => (a.length !== b.length || a.some((d, i) => d !== b[i]) ? `multiplies values of different shapes [${a}] and [${b}]` : null),
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: () => ({ kind: 'mul' }),
  toArch: () => ({ op: 'mul' }),
  label: () => ({ kind: 'Multiply', detail: '', name: null }),
};
