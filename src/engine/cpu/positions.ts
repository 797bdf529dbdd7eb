/**
 * Which positions of each sequence value the output can see. A transformer read at its last
 * position (`take`) sees, after the last attention, one position of every value: the flows of the
 * CPU engine are cut to those positions as they are made, so the last block's projections, MLP and
 * norms carry one position instead of T (the sums at the positions kept are the same). Working
 * backwards from the output: `take` needs its one position; ops that act per position (norms,
 * activations, adds, position-wise linears, slices and concats of the last axis) need what their
 * output needs; attention needs its queries where its output is needed, and every key and value
 * (each op says so in its definition: `positionsRead`).
 */
import { valueShapes, type ModelGraph, type ValueId } from '../../model/graph.ts';
import { definitionOf } from '../../ops/definitions.ts';
import type { Flow } from './flow.ts';

/**
 * For every value that is a sequence [T, F] of which the output needs only some positions, the
 * features (t·F + f) to keep; values absent from the map are kept whole.
 */
export function neededFeatures(model: ModelGraph): Map<ValueId, Int32Array> {
  const shapes = valueShapes(model);
  // need[v]: positions of v some reader needs (null = all); undefined = not reached yet
  const need = new Map<ValueId, Uint8Array | null>([[model.output, null]]);
  for (let i = model.nodes.length - 1; i >= 0; i--) {
    const node = model.nodes[i];
    if (!need.has(node.id)) continue; // read by nothing the output depends on
    const ins = definitionOf(node.op).positionsRead(node.op, need.get(node.id)!, node.inputs.map((v) => shapes[v]), shapes[node.id]);
    node.inputs.forEach((v, k) => {
      const a = ins[k];
      if (!need.has(v)) need.set(v, a === null ? null : a.slice());
      else {
        const b = need.get(v)!;
        if (b === null) return;
        if (a === null) need.set(v, null);
        else for (let t = 0; t < b.length; t++) b[t] |= a[t];
      }
    });
  }
  const out = new Map<ValueId, Int32Array>();
  for (const [v, mask] of need) {
    if (mask === null || v === 0) continue;
    const [T, F] = shapes[v];
    const kept = mask.reduce((a, b) => a + b, 0);
    if (kept === T) continue;
    const idx = new Int32Array(kept * F);
    let k = 0;
    for (let t = 0; t < T; t++) if (mask[t]) for (let f = 0; f < F; f++) idx[k++] = t * F + f;
    out.set(v, idx);
  }
  return out;
}

/** The flow on the features in `keep` (sorted) only; the same flow when nothing is dropped. */
export function restrictFlow(flow: Flow, keep: Int32Array, n: number, width: number): Flow {
  const S = flow.support;
  const m = S === null ? width : S.length;
  let cols: Int32Array;
  let support: Int32Array;
  if (S === null) {
    cols = keep;
    support = keep;
  } else {
    // positions in S of the kept features (both sorted)
    const at: number[] = [];
    for (let a = 0, b = 0; a < S.length; a++) {
      while (b < keep.length && keep[b] < S[a]) b++;
      if (b < keep.length && keep[b] === S[a]) at.push(a);
    }
    if (at.length === S.length) return flow;
    cols = Int32Array.from(at);
    support = Int32Array.from(at, (a) => S[a]);
  }
  const w = cols.length;
  const diff = new Float64Array(n * w), tan = new Float64Array(n * w);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < w; j++) {
      diff[s * w + j] = flow.diff[s * m + cols[j]];
      tan[s * w + j] = flow.tan[s * m + cols[j]];
    }
  }
  return { support, diff, tan };
}
