/** The CPU engine's sparse rule for activations: φ(x̂ + d) − ŷ and φ′(x̂ + d)·ṫ on the support; silent units drop out. */
import { pruneSupport, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { activate, activationDerivative } from './functions.ts';
import type { ActivationOp } from './definition.ts';

export function activationFlow(op: ActivationOp, [flow]: Flow[], ctx: FlowArgs): Flow {
  const fn = op.fn;
  const n = ctx.n;
  const F = ctx.inShapes[0].reduce((x, y) => x * y, 1);
  const xb = ctx.xBase[0];
  const yb = ctx.yBase;
  const S = flow.support;
  const m = S === null ? F : S.length;
  const diff = new Float64Array(n * m);
  const tan = new Float64Array(n * m);
  const fd = flow.diff;
  const ft = flow.tan;
  for (let s = 0; s < n; s++) {
    for (let a = 0; a < m; a++) {
      const c = S === null ? a : S[a];
      const z = xb[s * F + c] + fd[s * m + a];
      if (fn === 'relu') {
        // the common case, inlined
        diff[s * m + a] = (z > 0 ? z : 0) - yb[s * F + c];
        tan[s * m + a] = z > 0 ? ft[s * m + a] : 0;
      } else {
        diff[s * m + a] = activate(fn, z) - yb[s * F + c];
        tan[s * m + a] = activationDerivative(fn, z) * ft[s * m + a];
      }
    }
  }
  const shape = ctx.inShapes[0];
  return pruneSupport({ support: S, diff, tan }, n, F, shape.length === 3 ? shape[1] * shape[2] : 1);
}
