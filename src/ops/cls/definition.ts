/**
 * The class token: [T, D] → [T + 1, D] with the stored token c ([1, 1, D], ViT/DINOv2 `cls_token`)
 * prepended as position 0.
 */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface ClsOp {
  kind: 'cls';
  layer: string;
  weight: string;
}

export const clsDefinition: OpDefinition<'cls'> = {
  kind: 'cls',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape: (_op, [x]) => [x[0] + 1, x[1]],
  inputError: (_op, [x]) => (x.length !== 2 ? `prepends a token to a sequence [T, D], gets [${x}]` : null),
  tensors: (op) => [op.weight],
  tensorSpecs: (op, [x]) => [{ name: op.weight, shape: [1, 1, x[1]], role: 'weight' }],
  fromArch(layer, ctx) {
    // HF ViT/DINOv2 and timm name it `<prefix>.cls_token`; `weight` names any other tensor
    const w = ctx.need(layer.weight ?? ctx.name('cls_token'));
    if (w.shape.slice(0, -1).some((d) => d !== 1)) ctx.bad(`layer ${ctx.index}: "${w.name}" is not one token [1, 1, D]`);
    return { kind: 'cls', layer: layer.prefix ?? '', weight: w.name };
  },
  toArch: (op) => ({ op: 'cls', prefix: op.layer, weight: op.weight }),
  label: (op) => ({ kind: 'CLS token', detail: 'prepended at position 0', name: op.layer }),
};
