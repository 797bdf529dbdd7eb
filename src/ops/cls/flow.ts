/** The CPU engine's sparse rule for the class token: the input's change one row down, plus Δc on row 0. */
import { deltaTensor, tangentTensor, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import { addFlow } from '../add/flow.ts';
import { moveFlow } from '../slice/flow.ts';
import type { ClsOp } from './definition.ts';

export function clsFlow(op: ClsOp, [x]: Flow[], a: FlowArgs): Flow {
  const [T, D] = a.inShapes[0];
  const n = a.n, F = T * D;
  const moved = moveFlow(x, n, F, F + D, (f) => f + D);
  if (!a.touched) return moved;
  const dc = deltaTensor(a.query, op.weight);
  const tc = tangentTensor(a.query, op.weight);
  const hit = new Uint8Array(D);
  for (const m of [dc, tc]) if (m) for (let d = 0; d < D; d++) if (m[d] !== 0) hit[d] = 1;
  const support = indicesOf(hit);
  const m = support.length;
  const diff = new Float64Array(n * m), tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) support.forEach((d, k) => {
    if (dc) diff[s * m + k] = dc[d];
    if (tc) tan[s * m + k] = tc[d];
  });
  // disjoint supports (row 0 and rows 1…T): the union is their sum
  return addFlow({ kind: 'add' }, [moved, { support, diff, tan }], a);
}
