/**
 * Token embedding: token ids [T] → [T, D], y[t] = W[tok_t] with W stored [V, D] (GPT-2 wte,
 * LLaMA embed_tokens, TransformerLens W_E). The ids arrive as numbers in the probe; no tangent
 * flows into them (they are integers), only into W.
 */
import type { OpDefinition } from '../types.ts';
import type { GraphNode } from '../../model/graph.ts';
import { allPositions } from '../positions-read.ts';

export interface EmbeddingOp {
  kind: 'embedding';
  layer: string;
  weight: string;
  vocab: number;
  dim: number;
}

/** Why `tokens` are not ids of a vocabulary of `vocab` (integers in [0, vocab)), or null when they are. */
export function tokenError(tokens: ArrayLike<number>, vocab: number): string | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= vocab) return `token id ${t} at element ${i} of the input is not an integer in [0, ${vocab})`;
  }
  return null;
}

/**
 * Why a probe of token ids does not fit the embeddings that read the model input (value 0), or null.
 * Both engines check this in prepare, whatever the graph's inputType says, so a bad id is a plain
 * message, not a read of the wrong row.
 */
export function tokenInputError(nodes: readonly GraphNode[], data: ArrayLike<number>): string | null {
  for (const n of nodes) {
    if (n.op.kind !== 'embedding' || !n.inputs.includes(0)) continue;
    const err = tokenError(data, n.op.vocab);
    if (err) return `probe ${err} (${n.op.layer || 'embedding'} has ${n.op.vocab} tokens)`;
  }
  return null;
}

export const embeddingDefinition: OpDefinition<'embedding'> = {
  kind: 'embedding',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape: (op, [tokens]) => [tokens[0], op.dim],
  inputError: (_op, [tokens]) => (tokens.length !== 1 ? `reads token ids [T], gets a value of shape [${tokens}]` : null),
  tensors: (op) => [op.weight],
  tensorSpecs: (op) => [{ name: op.weight, shape: [op.vocab, op.dim], role: 'weight' }],
  fromArch(layer, ctx) {
    const w = ctx.need(ctx.name('weight'));
    if (w.shape.length !== 2) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 2-D [vocab, dim]`);
    return { kind: 'embedding', layer: layer.prefix ?? '', weight: w.name, vocab: w.shape[0], dim: w.shape[1] };
  },
  toArch: (op) => ({ op: 'embedding', prefix: op.layer }),
  label: (op) => ({ kind: 'Embedding', detail: `${op.vocab} tokens → ${op.dim}`, name: op.layer }),
};
