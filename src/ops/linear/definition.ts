/** Linear y = W·x + b over the flattened input; W is PyTorch's [out, in]. */
import type { OpDefinition } from '../types.ts';

export interface LinearOp {
  kind: 'linear';
  /** tensor-name prefix of the layer, e.g. `0` for `0.weight` */
  layer: string;
  weight: string;
  bias: string | null;
  inFeatures: number;
  outFeatures: number;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const linearDefinition: OpDefinition<'linear'> = {
  kind: 'linear',
  arity: 1,
  unitwise: false,
  outputShape: (op) => [op.outFeatures],
  inputError: (op, [x]) => (size(x) !== op.inFeatures ? `expects ${op.inFeatures} inputs, gets ${size(x)}` : null),
  tensors: (op) => [op.weight, ...(op.bias ? [op.bias] : [])],
  tensorSpecs: (op) => [
    { name: op.weight, shape: [op.outFeatures, op.inFeatures], role: 'weight' },
    ...(op.bias ? [{ name: op.bias, shape: [op.outFeatures], role: 'bias' as const }] : []),
  ],
  fromArch(layer, ctx) {
    const w = ctx.need(ctx.name('weight'));
    if (w.shape.length !== 2) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 2-D`);
    return { kind: 'linear', layer: layer.prefix ?? '', weight: w.name, bias: ctx.optional(ctx.name('bias')), outFeatures: w.shape[0], inFeatures: w.shape[1] };
  },
  toArch: (op) => ({ op: 'linear', prefix: op.layer }),
  label: (op) => ({ kind: 'Linear', detail: `${op.inFeatures} → ${op.outFeatures}${op.bias ? '' : ', no bias'}`, name: op.layer }),
};
