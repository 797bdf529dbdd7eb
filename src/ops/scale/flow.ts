/**
 * The CPU engine's sparse rule for layer scale: with γ' = γ + Δγ and x' = x̂ + d,
 *   y' − ŷ = d ⊙ γ' + x̂ ⊙ Δγ,   ẏ = ṫ ⊙ γ' + x' ⊙ γ̇,
 * on the input's support and, where γ moves, on its features at every position.
 */
import { deltaOf, positions, tangentOf, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import type { ScaleOp } from './definition.ts';

export function scaleFlow(op: ScaleOp, [x]: Flow[], a: FlowArgs): Flow {
  const n = a.n;
  const shape = a.inShapes[0];
  const D = shape[shape.length - 1];
  const F = shape.reduce((p, q) => p * q, 1);
  const g = a.params.get(op.weight)!.data;
  const [dg, ds] = deltaOf(a.query, op.weight);
  const [tg, ts] = tangentOf(a.query, op.weight);
  let support = x.support;
  if (support !== null && (dg || tg)) {
    const hit = new Uint8Array(F);
    for (const f of support) hit[f] = 1;
    for (let f = 0; f < F; f++) if ((dg && dg[f % D] !== 0) || (tg && tg[f % D] !== 0)) hit[f] = 1;
    support = indicesOf(hit);
    if (support.length === F) support = null;
  }
  const m = support === null ? F : support.length;
  const xm = x.support === null ? F : x.support.length;
  const at = positions(x.support, F);
  const xb = a.xBase[0];
  const diff = new Float64Array(n * m), tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) for (let k = 0; k < m; k++) {
    const f = support === null ? k : support[k];
    const c = f % D;
    const p = at ? at[f] : f;
    const d = p >= 0 ? x.diff[s * xm + p] : 0;
    const t = p >= 0 ? x.tan[s * xm + p] : 0;
    const gp = g[c] + (dg ? ds * dg[c] : 0);
    const base = xb[s * F + f];
    diff[s * m + k] = d * gp + (dg ? base * ds * dg[c] : 0);
    tan[s * m + k] = t * gp + (tg ? (base + d) * ts * tg[c] : 0);
  }
  return { support, diff, tan };
}
