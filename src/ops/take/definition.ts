/**
 * One position of a sequence: [T, D] → [D] at `index` (−1 = the last token, a causal LM's
 * next-token logits; 0 = the CLS token of ViT/BERT). A negative index counts from the end.
 */
import type { OpDefinition } from '../types.ts';

export interface TakeOp {
  kind: 'take';
  index: number;
}

/** The position `op` reads in a sequence of T. */
export const takePosition = (op: TakeOp, T: number): number => (op.index < 0 ? T + op.index : op.index);

export const takeDefinition: OpDefinition<'take'> = {
  kind: 'take',
  arity: 1,
  unitwise: false,
  positionsRead(op, _out, [x]) {
    const need = new Uint8Array(x[0]);
    need[takePosition(op, x[0])] = 1;
    return [need];
  },
  outputShape: (_op, [x]) => [x[1]],
  inputError(op, [x]) {
    if (x.length !== 2) return `takes a position of a sequence [T, D], gets [${x}]`;
    const t = takePosition(op, x[0]);
    return t < 0 || t >= x[0] ? `position ${op.index} is outside a sequence of ${x[0]}` : null;
  },
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: (layer, ctx) => {
    const index = Number(layer.index ?? -1);
    if (!Number.isInteger(index)) ctx.bad(`layer ${ctx.index}: take needs an integer "index", gets ${layer.index}`);
    return { kind: 'take', index };
  },
  toArch: (op) => ({ op: 'take', index: op.index }),
  label: (op) => ({ kind: 'Take', detail: op.index === -1 ? 'last position' : `position ${op.index}`, name: null }),
};
