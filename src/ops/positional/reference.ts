/** Learned positions in f64: y = x + P[0:T], ẏ = ẋ + Ṗ[0:T]; the cotangent passes to x unchanged. */
import type { ReferenceOp } from '../op-def.ts';
import { param, patchOf } from '../reference-args.ts';
import { maxPositions } from './definition.ts';

export const positionalReference: ReferenceOp<'positional'> = {
  forward(op, { n, inShapes: [[T, D]], params, xs: [x], dxs: [dx], tangent }) {
    const Tmax = maxPositions(params.get(op.weight)?.shape ?? [0, 0]);
    if (T > Tmax) throw new Error(`${op.layer || 'positions'}: sequence of ${T} tokens is longer than the ${Tmax} positions the model has`);
    const P = param(params, op.weight)!;
    const dP = patchOf(tangent, op.weight);
    const F = T * D;
    const y = new Float64Array(n * F);
    for (let s = 0; s < n; s++) for (let f = 0; f < F; f++) y[s * F + f] = x[s * F + f] + P[f];
    if (!dx && !tangent) return { y, dy: null };
    const dy = dx ? dx.slice() : new Float64Array(n * F);
    if (dP) for (let s = 0; s < n; s++) for (let f = 0; f < F; f++) dy[s * F + f] += dP[f];
    return { y, dy };
  },
  vjp: (_op, { cotangent }) => [cotangent.slice()],
};
