/** Flatten [C, H, W] to [C·H·W]: the data layout is already row-major, so no data moves. */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface FlattenOp { kind: 'flatten' }

export const flattenDefinition: OpDefinition<'flatten'> = {
  kind: 'flatten',
  arity: 1,
  unitwise: true,
  positionsRead: allPositions,
  outputShape: (_op, [input]) => [input.reduce((a, b) => a * b, 1)],
  inputError: () => null,
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: () => ({ kind: 'flatten' }),
  toArch: () => ({ op: 'flatten' }),
  label: () => ({ kind: 'Flatten', detail: '', name: null }),
};
