/** Elementwise activation in f64: value, tangent φ′(z)·dz and reverse mode. */
import type { ReferenceOp } from '../op-def.ts';
import { activate, activationDerivative, type Activation } from './functions.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

export function activationForward(fn: Activation, z: Arr): Arr {
  const y = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) y[i] = activate(fn, z[i]);
  return y;
}

export function activationTangent(fn: Activation, z: Arr, dz: Arr): Arr {
  const dy = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) dy[i] = activationDerivative(fn, z[i]) * dz[i];
  return dy;
}

export const activationReference: ReferenceOp<'activation'> = {
  forward(op, { xs: [x], dxs: [dx], tangent }) {
    const y = activationForward(op.fn, x);
    return { y, dy: dx ? activationTangent(op.fn, x, dx) : tangent ? new Float64Array(y.length) : null };
  },
  vjp(op, { xs: [x], rows, cotangent: M }) {
    const inF = x.length;
    const next = new Float64Array(rows * inF);
    for (let r = 0; r < rows; r++) for (let f = 0; f < inF; f++) next[r * inF + f] = M[r * inF + f] * activationDerivative(op.fn, x[f]);
    return [next];
  },
};
