/** Embedding in f64: y[t] = W[tok_t], ẏ[t] = Ẇ[tok_t]; token ids carry no tangent and get no cotangent. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';
import { tokenError } from './definition.ts';

export const embeddingReference: ReferenceOp<'embedding'> = {
  forward(op, { n, inShapes: [[T]], params, xs: [tokens], dxs: [dTokens], tangent }) {
    const err = tokenError(tokens, op.vocab);
    if (err) throw new Error(`${op.layer || 'embedding'}: ${err}`);
    const W = param(params, op.weight)!;
    const dW = patchOf(tangent, op.weight);
    const D = op.dim;
    const y = new Float64Array(n * T * D);
    // a tangent of the ids (only ever zero) moves nothing
    const dy = tangent || dTokens ? new Float64Array(n * T * D) : null;
    for (let r = 0; r < n * T; r++) {
      const row = tokens[r] * D;
      for (let d = 0; d < D; d++) {
        y[r * D + d] = W[row + d];
        if (dy && dW) dy[r * D + d] = dW[row + d];
      }
    }
    return { y, dy };
  },
  vjp: (_op, { inShapes: [[T]], rows }) => [new Float64Array(rows * T)],
};
