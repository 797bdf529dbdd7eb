/** Max pooling over each channel plane of [C, H, W], unpadded. */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface MaxPoolOp { kind: 'maxpool'; kernel: number; stride: number }

export const maxpoolDefinition: OpDefinition<'maxpool'> = {
  kind: 'maxpool',
  arity: 1,
  unitwise: true,
  positionsRead: allPositions,
  outputShape(op, [input]) {
    const [c, h, w] = input;
    return [c, Math.floor((h - op.kernel) / op.stride) + 1, Math.floor((w - op.kernel) / op.stride) + 1];
  },
  inputError: (op, [s]) => (s.length !== 3 || s[1] < op.kernel || s[2] < op.kernel ? `needs an image of at least ${op.kernel}×${op.kernel}, gets [${s}]` : null),
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: (layer) => ({ kind: 'maxpool', kernel: Number(layer.kernel ?? 2), stride: Number(layer.stride ?? layer.kernel ?? 2) }),
  toArch: (op) => ({ op: 'maxpool', kernel: op.kernel, stride: op.stride }),
  label: (op) => ({ kind: 'MaxPool', detail: `${op.kernel}×${op.kernel}, stride ${op.stride}`, name: null }),
};
