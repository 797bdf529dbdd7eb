/** Where a batch of queries acts: the rows, columns and channels their patches touch, and index-set helpers. */
import type { Op } from '../../model/graph.ts';
import { supportArrays, type FisherQuery, type ParamSet } from '../types.ts';

/** Output rows (linear) / channels (conv) that any query's patches of this op touch. */
export function rowSupport(params: ParamSet, op: Extract<Op, { kind: 'linear' | 'conv2d' }>, qs: FisherQuery[], rows: number): Int32Array {
  const hit = new Uint8Array(rows);
  const rowLen = params.get(op.weight)!.data.length / rows;
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
  return indices(hit);
}

/** Columns of a linear weight that any query's patches touch. */
export function colSupport(op: Extract<Op, { kind: 'linear' }>, qs: FisherQuery[]): Int32Array {
  const hit = new Uint8Array(op.inFeatures);
  for (const q of qs) for (const p of supportArrays(q)) {
    const w = p.get(op.weight);
    if (!w) continue;
    for (let k = 0; k < w.length; k++) if (w[k] !== 0) hit[k % op.inFeatures] = 1;
  }
  return indices(hit);
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
  return indices(hit);
}

export function indices(hit: Uint8Array): Int32Array {
  let k = 0;
  for (const h of hit) k += h;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[k++] = i;
  return out;
}

export function union(a: Int32Array, b: Int32Array, n: number): Int32Array {
  const hit = new Uint8Array(n);
  for (const i of a) hit[i] = 1;
  for (const i of b) hit[i] = 1;
  return indices(hit);
}

export function isSubset(a: Int32Array, U: Int32Array): boolean {
  const s = new Set(U);
  for (const i of a) if (!s.has(i)) return false;
  return true;
}

/** The channels of a channel-aligned support (whole planes, in order), or null if it is not one. */
export function channelsOf(U: Int32Array, plane: number): Int32Array | null {
  if (U.length % plane !== 0) return null;
  const n = U.length / plane;
  const ch = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    const c = U[a * plane] / plane;
    if (!Number.isInteger(c)) return null;
    for (let p = 0; p < plane; p++) if (U[a * plane + p] !== c * plane + p) return null;
    ch[a] = c;
  }
  return ch;
}

export function expandChannels(ch: Int32Array, plane: number): Int32Array {
  const out = new Int32Array(ch.length * plane);
  ch.forEach((c, a) => {
    for (let p = 0; p < plane; p++) out[a * plane + p] = c * plane + p;
  });
  return out;
}

