/** Layer scale: y = x ⊙ γ on the last axis (CaiT/DINOv2 `layer_scale.lambda1`, timm `ls.gamma`), γ stored [D]. */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface ScaleOp {
  kind: 'scale';
  layer: string;
  weight: string;
}

/** The names layer scale goes by, in the order fromArch looks for `<prefix>.<name>`. */
const SCALE_NAMES = ['weight', 'lambda1', 'gamma'] as const;

export const scaleDefinition: OpDefinition<'scale'> = {
  kind: 'scale',
  arity: 1,
  // per feature of the last axis; not a unit of a conv's channels, so no unit passes through it
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [x]) => x.slice(),
  inputError: () => null,
  tensors: (op) => [op.weight],
  tensorSpecs: (op, [x]) => [{ name: op.weight, shape: [x[x.length - 1]], role: 'scale' }],
  fromArch(layer, ctx) {
    const name = layer.weight ?? SCALE_NAMES.map((s) => ctx.optional(ctx.name(s))).find((n) => n !== null)
      ?? ctx.bad(`layer ${ctx.index}: no layer-scale tensor ${SCALE_NAMES.map((s) => `"${ctx.name(s)}"`).join(' / ')} (name it with "weight")`);
    const w = ctx.need(name);
    if (w.shape.length !== 1) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 1-D`);
    return { kind: 'scale', layer: layer.prefix ?? '', weight: w.name };
  },
  toArch: (op) => ({ op: 'scale', prefix: op.layer, weight: op.weight }),
  label: (op) => ({ kind: 'Layer scale', detail: 'x ⊙ γ', name: op.layer }),
};
