/** BatchNorm in eval mode over the channel axis (axis 0 of the per-sample shape). */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface BatchNormOp {
  kind: 'batchnorm';
  layer: string;
  weight: string | null;
  bias: string | null;
  runningMean: string;
  runningVar: string;
  eps: number;
}

export const batchnormDefinition: OpDefinition<'batchnorm'> = {
  kind: 'batchnorm',
  arity: 1,
  unitwise: true,
  positionsRead: allPositions,
  outputShape: (_op, [input]) => input.slice(),
  inputError: () => null,
  tensors: (op) => [op.weight, op.bias, op.runningMean, op.runningVar].filter((n): n is string => n !== null),
  tensorSpecs(op, [input]) {
    const c = [input[0]];
    return [
      ...(op.weight ? [{ name: op.weight, shape: c, role: 'scale' as const }] : []),
      ...(op.bias ? [{ name: op.bias, shape: c, role: 'shift' as const }] : []),
      { name: op.runningMean, shape: c, role: 'mean' },
      { name: op.runningVar, shape: c, role: 'variance' },
    ];
  },
  fromArch: (layer, ctx) => ({
    kind: 'batchnorm', layer: layer.prefix ?? '', weight: ctx.optional(ctx.name('weight')), bias: ctx.optional(ctx.name('bias')),
    runningMean: ctx.need(ctx.name('running_mean')).name, runningVar: ctx.need(ctx.name('running_var')).name, eps: Number(layer.eps ?? 1e-5),
  }),
  toArch: (op) => ({ op: 'batchnorm', prefix: op.layer, eps: op.eps }),
  label: (op) => ({ kind: 'BatchNorm', detail: `ε ${op.eps}`, name: op.layer }),
};
