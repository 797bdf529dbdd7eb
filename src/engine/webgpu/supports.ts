/** Where a batch of queries acts: the rows, columns and channels their patches touch (index sets: ../index-sets.ts). */
import type { Op } from '../../model/graph.ts';
import { supportArrays, type FisherQuery, type ParamSet } from '../types.ts';
import { indicesOf } from '../index-sets.ts';
import { elementsOf } from '../../format/held-tensor.ts';

/** Output rows (linear) / channels (conv) that any query's patches of this op touch. */
export function rowSupport(params: ParamSet, op: Extract<Op, { kind: 'linear' | 'conv2d' }>, qs: FisherQuery[], rows: number): Int32Array {
  const hit = new Uint8Array(rows);
  const rowLen = elementsOf(params.get(op.weight)!) / rows;
  for (const q of qs) {
    for (const p of supportArrays(q)) {
      const w = p.get(op.weight);
      if (w) for (let r = 0; r < rows; r++) {
        if (hit[r]) continue;
        for (let c = r * rowLen, e = c + rowLen; c < e; c++) if (w[c] !== 0) { hit[r] = 1; break; }
      }
      const b = op.bias ? p.get(op.bias) : undefined;
      if (b) for (let r = 0; r < rows; r++) if (b[r] !== 0) hit[r] = 1;
    }
  }
  return indicesOf(hit);
}

/** Columns of a linear weight that any query's patches touch. */
export function colSupport(op: Extract<Op, { kind: 'linear' }>, qs: FisherQuery[]): Int32Array {
  const hit = new Uint8Array(op.inFeatures);
  for (const q of qs) for (const p of supportArrays(q)) {
    const w = p.get(op.weight);
    if (!w) continue;
    for (let k = 0; k < w.length; k++) if (w[k] !== 0) hit[k % op.inFeatures] = 1;
  }
  return indicesOf(hit);
}

/** Input channels of a conv weight that any query's patches touch. */
export function inChannelSupport(op: Extract<Op, { kind: 'conv2d' }>, qs: FisherQuery[]): Int32Array {
  const C = op.inChannels;
  const kk = op.kernel[0] * op.kernel[1];
  const hit = new Uint8Array(C);
  for (const q of qs) for (const p of supportArrays(q)) {
    const w = p.get(op.weight);
    if (!w) continue;
    for (let k = 0; k < w.length; k++) if (w[k] !== 0) hit[Math.floor(k / kk) % C] = 1;
  }
  return indicesOf(hit);
}
