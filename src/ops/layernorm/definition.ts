/** LayerNorm over the last axis, biased variance, optional affine γ, β. */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface LayerNormOp {
  kind: 'layernorm';
  layer: string;
  weight: string | null;
  bias: string | null;
  eps: number;
}

export const layernormDefinition: OpDefinition<'layernorm'> = {
  kind: 'layernorm',
  arity: 1,
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [input]) => input.slice(),
  inputError: () => null,
  tensors: (op) => [op.weight, op.bias].filter((n): n is string => n !== null),
  tensorSpecs(op, [input]) {
    const f = [input[input.length - 1]];
    return [
      ...(op.weight ? [{ name: op.weight, shape: f, role: 'scale' as const }] : []),
      ...(op.bias ? [{ name: op.bias, shape: f, role: 'shift' as const }] : []),
    ];
  },
  fromArch: (layer, ctx) => ({
    kind: 'layernorm', layer: layer.prefix ?? '', weight: ctx.optional(ctx.name('weight')), bias: ctx.optional(ctx.name('bias')), eps: Number(layer.eps ?? 1e-5),
  }),
  toArch: (op) => ({ op: 'layernorm', prefix: op.layer, eps: op.eps }),
  label: (op) => ({ kind: 'LayerNorm', detail: `ε ${op.eps}`, name: op.layer }),
};
