/** An elementwise activation φ (functions.ts). */
import type { OpDefinition } from '../types.ts';
import { ACTIVATIONS, type Activation } from './functions.ts';
import { samePositions } from '../positions-read.ts';

export interface ActivationOp { kind: 'activation'; fn: Activation }

export const activationDefinition: OpDefinition<'activation'> = {
  kind: 'activation',
  arity: 1,
  unitwise: true,
  positionsRead: samePositions,
  outputShape: (_op, [input]) => input.slice(),
  inputError: () => null,
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch(layer, ctx) {
    if (layer.fn === undefined) return { kind: 'activation', fn: ctx.activation };
    if (!ACTIVATIONS.includes(layer.fn)) ctx.bad(`layer ${ctx.index}: unknown activation "${layer.fn}"`);
    return { kind: 'activation', fn: layer.fn };
  },
  toArch: (op) => ({ op: 'activation', fn: op.fn }),
  label: (op) => ({ kind: 'Activation', detail: op.fn, name: null }),
};
