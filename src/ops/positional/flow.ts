/** The CPU engine's sparse rule for learned positions: the input's change plus ΔP, on the union of their supports. */
import { addFlow } from '../add/flow.ts';
import { deltaTensor, tangentTensor, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import type { PositionalOp } from './definition.ts';

export function positionalFlow(op: PositionalOp, [x]: Flow[], a: FlowArgs): Flow {
  if (!a.touched) return x;
  const n = a.n;
  const F = a.inShapes[0][0] * a.inShapes[0][1];
  const dP = deltaTensor(a.query, op.weight);
  const tP = tangentTensor(a.query, op.weight);
  const hit = new Uint8Array(F);
  for (const m of [dP, tP]) if (m) for (let f = 0; f < F; f++) if (m[f] !== 0) hit[f] = 1;
  const support = indicesOf(hit);
  // the change of P, the same on every sample, as a flow of its own
  const m = support.length;
  const diff = new Float64Array(n * m), tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) support.forEach((f, k) => {
    if (dP) diff[s * m + k] = dP[f];
    if (tP) tan[s * m + k] = tP[f];
  });
  return addFlow({ kind: 'add' }, [x, { support, diff, tan }], a);
}
