/** The CPU engine's sparse rule for add: the changes of both inputs, on the union of their supports. */
import { positions, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import type { AddOp } from './definition.ts';

export function addFlow(_op: AddOp, [a, b]: Flow[], ctx: FlowArgs): Flow {
  const n = ctx.n;
  const F = ctx.outShape.reduce((x, y) => x * y, 1);
  let support: Int32Array | null = null;
  if (a.support !== null && b.support !== null) {
    const hit = new Uint8Array(F);
    for (const i of a.support) hit[i] = 1;
    for (const i of b.support) hit[i] = 1;
    support = indicesOf(hit);
  }
  const m = support === null ? F : support.length;
  const diff = new Float64Array(n * m);
  const tan = new Float64Array(n * m);
  const at = positions(support, F);
  for (const f of [a, b]) {
    const w = f.support === null ? F : f.support.length;
    for (let s = 0; s < n; s++) for (let k = 0; k < w; k++) {
      const feature = f.support === null ? k : f.support[k];
      const o = s * m + (at ? at[feature] : feature);
      diff[o] += f.diff[s * w + k];
      tan[o] += f.tan[s * w + k];
    }
  }
  return { support, diff, tan };
}
