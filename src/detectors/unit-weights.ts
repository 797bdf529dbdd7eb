/** Where a unit's incoming and outgoing weights sit in the flattened tensors. */
import type { ModelGraph } from '../model/graph.ts';
import { SparsePatch, type NonZeros, type ParamSet } from '../engine/types.ts';
import type { UnitLayer } from './units.ts';
import { linearWeightAt } from '../ops/linear/definition.ts';
import { elementsOf } from '../format/held-tensor.ts';

/** (tensor, flat index) pairs of unit u's incoming parameters: its row (and bias) at the producer. */
export function incomingIndices(model: ModelGraph, params: ParamSet, L: UnitLayer, u: number): [string, number[]][] {
  const op = model.nodes[L.producer].op;
  if (op.kind === 'layernorm') {
    return [op.weight, op.bias].filter((n): n is string => n !== null).map((n) => [n, [u]]);
  }
  if (op.kind === 'linear') {
    // the strides unrolled once per call (linearWeightIndex per entry built a strides object each),
    // a plain loop (Array.from with a callback was the read's slowest JavaScript line)
    const at = linearWeightAt(op);
    const row: number[] = [];
    for (let k = 0; k < op.inFeatures; k++) row.push(at.rowStart[u] + k * at.inStride);
    const idx: [string, number[]][] = [[op.weight, row]];
    if (op.bias) idx.push([op.bias, [u]]);
    return idx;
  }
  if (op.kind !== 'conv2d') throw new Error(`unit producer ${op.kind}`);
  const W = params.get(op.weight)!;
  const row = elementsOf(W) / W.shape[0];
  const idx: [string, number[]][] = [[op.weight, Array.from({ length: row }, (_, k) => u * row + k)]];
  if (op.bias) idx.push([op.bias, [u]]);
  return idx;
}

/** (tensor, flat index) pairs of unit u's outgoing weights: its column(s) at the consumer. */
export function outgoingIndices(model: ModelGraph, params: ParamSet, L: UnitLayer, u: number): [string, number[]][] {
  const op = model.nodes[L.consumer].op;
  if (op.kind === 'linear') {
    const idx: number[] = [];
    const at = linearWeightAt(op);
    for (let o = 0; o < op.outFeatures; o++)
      for (let p = 0; p < L.consumerPlane; p++) idx.push(at.rowStart[o] + (u * L.consumerPlane + p) * at.inStride);
    return [[op.weight, idx]];
  }
  if (op.kind === 'conv2d') {
    const kk = op.kernel[0] * op.kernel[1];
    const idx: number[] = [];
    for (let o = 0; o < op.outChannels; o++)
      for (let p = 0; p < kk; p++) idx.push((o * op.inChannels + u) * kk + p);
    return [[op.weight, idx]];
  }
  throw new Error(`unit consumer ${op.kind}`);
}

/** Current values at the given indices, concatenated. */
export function gather(params: ParamSet, idx: [string, number[]][]): Float64Array {
  const out: number[] = [];
  for (const [n, is] of idx) {
    const d = params.get(n)!.data;
    for (const i of is) out.push(d[i]);
  }
  return Float64Array.from(out);
}

export function unitVector(v: Float64Array): Float64Array | null {
  let s = 0;
  for (const x of v) s += x * x;
  if (s === 0) return null;
  const k = 1 / Math.sqrt(s);
  return v.map((x) => x * k);
}

/**
 * The patch Σ scale·values at the indices of each part, stored by its non-zeros (repeated indices summed in order
 * from zero, as an add into zero arrays would give).
 */
export function sparsePatch(params: ParamSet, parts: { idx: [string, number[]][]; values: ArrayLike<number>; scale?: number }[]): SparsePatch {
  const nonZeros = new Map<string, NonZeros>();
  // the usual case: every tensor in one part, its indices ascending: the arrays as given
  let simple = true;
  for (const { idx, values, scale = 1 } of parts) {
    let k = 0;
    for (const [n, is] of idx) {
      if (nonZeros.has(n) || is.some((i, e) => e > 0 && i <= is[e - 1])) simple = false;
      if (!simple) break;
      const v = new Float64Array(is.length);
      for (let e = 0; e < is.length; e++) v[e] = 0 + scale * values[k++];
      nonZeros.set(n, { length: elementsOf(params.get(n)!), index: Int32Array.from(is), values: v });
    }
  }
  if (simple) return new SparsePatch(nonZeros);
  nonZeros.clear();
  const byTensor = new Map<string, Map<number, number>>();
  for (const { idx, values, scale = 1 } of parts) {
    let k = 0;
    for (const [n, is] of idx) {
      let m = byTensor.get(n);
      if (!m) byTensor.set(n, (m = new Map()));
      for (const i of is) m.set(i, (m.get(i) ?? 0) + scale * values[k++]);
    }
  }
  for (const [n, m] of byTensor) {
    const index = Int32Array.from(m.keys()).sort();
    nonZeros.set(n, { length: elementsOf(params.get(n)!), index, values: Float64Array.from(index, (i) => m.get(i)!) });
  }
  return new SparsePatch(nonZeros);
}
