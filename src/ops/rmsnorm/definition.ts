/** RMSNorm over the last axis (LLaMA, T5): y = γ ⊙ x/√(mean(x²) + ε); no centring, no shift. */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface RmsNormOp {
  kind: 'rmsnorm';
  layer: string;
  weight: string | null;
  eps: number;
}

export const rmsnormDefinition: OpDefinition<'rmsnorm'> = {
  kind: 'rmsnorm',
  arity: 1,
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [input]) => input.slice(),
  inputError: () => null,
  tensors: (op) => (op.weight ? [op.weight] : []),
  tensorSpecs: (op, [input]) => (op.weight ? [{ name: op.weight, shape: [input[input.length - 1]], role: 'scale' as const }] : []),
  fromArch: (layer, ctx) => ({ kind: 'rmsnorm', layer: layer.prefix ?? '', weight: ctx.optional(ctx.name('weight')), eps: Number(layer.eps ?? 1e-6) }),
  toArch: (op) => ({ op: 'rmsnorm', prefix: op.layer, eps: op.eps }),
  label: (op) => ({ kind: 'RMSNorm', detail: `ε ${op.eps}`, name: op.layer }),
};
