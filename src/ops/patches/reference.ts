/** Patches in f64: a fixed permutation of each sample's features; the VJP permutes back. */
import type { ReferenceOp } from '../op-def.ts';
import { patchFeature } from './definition.ts';

function permutation(shape: number[], p: number): Int32Array {
  const F = shape[0] * shape[1] * shape[2];
  return Int32Array.from({ length: F }, (_, f) => patchFeature(f, shape, p));
}

function move(x: Float64Array, n: number, to: Int32Array, forward: boolean): Float64Array {
  const F = to.length;
  const y = new Float64Array(n * F);
  for (let s = 0; s < n; s++) for (let f = 0; f < F; f++) {
    if (forward) y[s * F + to[f]] = x[s * F + f];
    else y[s * F + f] = x[s * F + to[f]];
  }
  return y;
}

export const patchesReference: ReferenceOp<'patches'> = {
  forward(op, { n, inShapes: [shape], xs: [x], dxs: [dx] }) {
    const to = permutation(shape, op.size);
    return { y: move(x, n, to, true), dy: dx ? move(dx, n, to, true) : null };
  },
  vjp: (op, { inShapes: [shape], rows, cotangent }) => [move(cotangent, rows, permutation(shape, op.size), false)],
};
