/**
 * Learned absolute positions: [T, D] → x + P[0:T], P stored [Tmax, D] (GPT-2 wpe, TransformerLens
 * W_pos) or [1, Tmax, D] (ViT position_embeddings). Both store position t's row at t·D, so the
 * op reads the first T·D elements of either.
 */
import type { OpDefinition } from '../types.ts';
import { samePositions } from '../positions-read.ts';

export interface PositionalOp {
  kind: 'positional';
  layer: string;
  weight: string;
  dim: number;
}

export const positionalDefinition: OpDefinition<'positional'> = {
  kind: 'positional',
  arity: 1,
  unitwise: false,
  positionsRead: samePositions,
  outputShape: (_op, [x]) => x.slice(),
  inputError: (op, [x]) => (x.length !== 2 || x[1] !== op.dim ? `adds positions of width ${op.dim} to [T, ${op.dim}], gets [${x}]` : null),
  tensors: (op) => [op.weight],
  tensorSpecs: (op, [x]) => [{ name: op.weight, shape: [x[0], op.dim], role: 'weight' }],
  fromArch(layer, ctx) {
    const w = ctx.need(ctx.name('weight'));
    const ok = w.shape.length === 2 || (w.shape.length === 3 && w.shape[0] === 1);
    if (!ok) ctx.bad(`layer ${ctx.index}: "${w.name}" is not [Tmax, dim] or [1, Tmax, dim]`);
    return { kind: 'positional', layer: layer.prefix ?? '', weight: w.name, dim: w.shape[w.shape.length - 1] };
  },
  toArch: (op) => ({ op: 'positional', prefix: op.layer }),
  label: (op) => ({ kind: 'Positions', detail: `learned, width ${op.dim}`, name: op.layer }),
};

/** Positions P holds: its second-to-last axis. */
export const maxPositions = (shape: number[]): number => shape[shape.length - 2];
