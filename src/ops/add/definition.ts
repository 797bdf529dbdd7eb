/** Residual add y = a + b of two values of the same shape (a transformer's residual stream). */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface AddOp { kind: 'add' }

export const addDefinition: OpDefinition<'add'> = {
  kind: 'add',
  arity: 2,
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [a]) => a.slice(),
  inputError: (_op, [a, b]) => (a.length !== b.length || a.some((d, i) => d !== b[i]) ? `adds values of different shapes [${a}] and [${b}]` : null),
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: () => ({ kind: 'add' }),
  toArch: () => ({ op: 'add' }),
  label: () => ({ kind: 'Add', detail: '', name: null }),
};
