/** The CPU engine's sparse rule for stored tokens: the input's change moved past the token rows, plus Δc on them. */
import { deltaTensor, tangentTensor, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import { addFlow } from '../add/flow.ts';
import { moveFlow } from '../slice/flow.ts';
import { clsTokens, type ClsOp } from './definition.ts';

export function clsFlow(op: ClsOp, [x]: Flow[], a: FlowArgs): Flow {
  const [T, D] = a.inShapes[0];
  const { R, at } = clsTokens(op);
  const n = a.n, F = T * D, K = R * D;
  const moved = moveFlow(x, n, F, F + K, (f) => (f < at * D ? f : f + K));
  if (!a.touched) return moved;
  const dc = deltaTensor(a.query, op.weight);
  const tc = tangentTensor(a.query, op.weight);
  const hit = new Uint8Array(K);
  for (const m of [dc, tc]) if (m) for (let k = 0; k < K; k++) if (m[k] !== 0) hit[k] = 1;
  const rows = indicesOf(hit);
  const m = rows.length;
  const support = Int32Array.from(rows, (k) => at * D + k);
  const diff = new Float64Array(n * m), tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) rows.forEach((k, j) => {
    if (dc) diff[s * m + j] = dc[k];
    if (tc) tan[s * m + j] = tc[k];
  });
  // disjoint supports (the token rows and x's): the union is their sum
  return addFlow({ kind: 'add' }, [moved, { support, diff, tan }], a);
}
