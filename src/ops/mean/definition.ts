/**
 * The mean of a sequence's positions `start` … T − 1: [T, D] → [D] (HF Dinov2ForImageClassification
 * reads `patch_tokens.mean(dim=1)`, the mean of every position after the CLS token, beside CLS).
 */
import type { OpDefinition } from '../types.ts';

export interface MeanOp {
  kind: 'mean';
  start: number;
}

export const meanDefinition: OpDefinition<'mean'> = {
  kind: 'mean',
  arity: 1,
  unitwise: false,
  positionsRead(op, _out, [x]) {
    const need = new Uint8Array(x[0]);
    need.fill(1, op.start);
    return [need];
  },
  outputShape: (_op, [x]) => [x[1]],
  inputError(op, [x]) {
    if (x.length !== 2) return `takes the mean of a sequence [T, D], gets [${x}]`;
    return op.start < 0 || op.start >= x[0] ? `positions ${op.start}… are outside a sequence of ${x[0]}` : null;
  },
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: (layer, ctx) => {
    const start = Number(layer.start ?? 0);
    if (!Number.isInteger(start) || start < 0) ctx.bad(`layer ${ctx.index}: mean needs a "start" ≥ 0, gets ${layer.start}`);
    return { kind: 'mean', start };
  },
  toArch: (op) => ({ op: 'mean', start: op.start }),
  label: (op) => ({ kind: 'Mean', detail: `positions ${op.start}…`, name: null }),
};
