/** Where a unit's incoming and outgoing weights sit in the flattened tensors. */
import type { ModelGraph } from '../model/graph.ts';
import type { ParamSet, TensorPatch } from '../engine/types.ts';
import type { UnitLayer } from './units.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';

/** (tensor, flat index) pairs of unit u's incoming parameters: its row (and bias) at the producer. */
export function incomingIndices(model: ModelGraph, params: ParamSet, L: UnitLayer, u: number): [string, number[]][] {
  const op = model.nodes[L.producer].op;
  if (op.kind === 'layernorm') {
    return [op.weight, op.bias].filter((n): n is string => n !== null).map((n) => [n, [u]]);
  }
  if (op.kind === 'linear') {
    const idx: [string, number[]][] = [[op.weight, Array.from({ length: op.inFeatures }, (_, k) => linearWeightIndex(op, u, k))]];
    if (op.bias) idx.push([op.bias, [u]]);
    return idx;
  }
  if (op.kind !== 'conv2d') throw new Error(`unit producer ${op.kind}`);
  const W = params.get(op.weight)!;
  const row = W.data.length / W.shape[0];
  const idx: [string, number[]][] = [[op.weight, Array.from({ length: row }, (_, k) => u * row + k)]];
  if (op.bias) idx.push([op.bias, [u]]);
  return idx;
}

/** (tensor, flat index) pairs of unit u's outgoing weights: its column(s) at the consumer. */
export function outgoingIndices(model: ModelGraph, params: ParamSet, L: UnitLayer, u: number): [string, number[]][] {
  const op = model.nodes[L.consumer].op;
  if (op.kind === 'linear') {
    const idx: number[] = [];
    for (let o = 0; o < op.outFeatures; o++)
      for (let p = 0; p < L.consumerPlane; p++) idx.push(linearWeightIndex(op, o, u * L.consumerPlane + p));
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

/** Add `scale·values` at the indices into a patch (creating zero tensors as needed). */
export function scatterInto(
  patch: TensorPatch, params: ParamSet, idx: [string, number[]][], values: ArrayLike<number>, scale = 1,
): void {
  let k = 0;
  for (const [n, is] of idx) {
    let a = patch.get(n);
    if (!a) patch.set(n, (a = new Float64Array(params.get(n)!.data.length)));
    for (const i of is) a[i] += scale * values[k++];
  }
}

export function unitVector(v: Float64Array): Float64Array | null {
  let s = 0;
  for (const x of v) s += x * x;
  if (s === 0) return null;
  const k = 1 / Math.sqrt(s);
  return v.map((x) => x * k);
}
