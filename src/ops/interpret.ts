/**
 * The f64 reference interpreter of a graph, from each op's reference (src/ops/<kind>/reference.ts):
 *  - evaluateDense: value and tangent (JVP) of every value, dense. The reference the CPU engine's
 *    sparse flows and the WGSL kernels are checked against, and what the CPU engine caches.
 *  - outputSideCovariance / inputSideCovariance: the K-FAC factors of a value by reverse mode
 *    (the bottom-subspace detector's statistics).
 */
import { valueShapes, size, type GraphNode, type ModelGraph, type ValueId } from '../model/graph.ts';
import { referenceOf, UnsupportedBackwardError } from './references.ts';
import type { Head, ParamSet, TensorPatch } from '../engine/types.ts';

export { UnsupportedBackwardError };

export interface DenseResult {
  /** values[v] = value v for all samples (N × size), only when kept */
  values: Float64Array[] | null;
  z: Float64Array;
  dz: Float64Array | null;
  outWidth: number;
}

/** Value and tangent of one node, dense, from its inputs' values and tangents. */
export function denseNode(
  node: GraphNode, shapes: number[][], n: number, params: ParamSet,
  xs: Float64Array[], dxs: (Float64Array | null)[], tangent: TensorPatch | null,
): { y: Float64Array; dy: Float64Array | null } {
  return referenceOf(node.op).forward(node.op, { n, inShapes: node.inputs.map((v) => shapes[v]), params, xs, dxs, tangent });
}

/** Evaluate the graph on N inputs; `tangent` (a direction v) makes it a JVP. */
export function evaluateDense(
  model: ModelGraph, params: ParamSet, input: Float64Array, n: number,
  options: { tangent?: TensorPatch | null; keepValues?: boolean } = {},
): DenseResult {
  const shapes = valueShapes(model);
  const tangent = options.tangent ?? null;
  const vals: Float64Array[] = [input];
  const tans: (Float64Array | null)[] = [null];
  // a value no later node reads is dropped as soon as it is consumed, unless values are kept
  const lastUse = new Map<number, number>();
  model.nodes.forEach((node, i) => node.inputs.forEach((v) => lastUse.set(v, i)));
  model.nodes.forEach((node, i) => {
    const r = denseNode(node, shapes, n, params, node.inputs.map((v) => vals[v]), node.inputs.map((v) => tans[v]), tangent);
    vals[node.id] = r.y;
    tans[node.id] = r.dy;
    if (!options.keepValues) {
      for (const v of node.inputs) {
        if (lastUse.get(v) === i && v !== model.output) {
          delete vals[v];
          delete tans[v];
        }
      }
    }
  });
  return { values: options.keepValues ? vals : null, z: vals[model.output], dz: tans[model.output], outWidth: size(shapes[model.output]) };
}

/** Replace tensors of a parameter set (θ̂ + delta on the patched tensors). */
export function withDelta(params: ParamSet, delta: TensorPatch): ParamSet {
  const out: ParamSet = new Map(params);
  for (const [name, d] of delta) {
    const t = params.get(name);
    if (!t) throw new Error(`patch names unknown tensor ${name}`);
    const data = new Float64Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = t.data[i] + d[i];
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

/**
 * Output-side K-FAC factor G = E_x[J_zᵀ Λ J_z] for value `at` (METHOD §4), by reverse mode from
 * the logits with each op's VJP: Λ = I (regression) or diag p − ppᵀ = Σ_c p_c (e_c − p)(e_c − p)ᵀ
 * (classification), so each sample back-propagates the rows of Λ^{1/2}.
 */
export function outputSideCovariance(
  model: ModelGraph, params: ParamSet, values: Float64Array[], n: number, head: Head, at: ValueId,
): Float64Array {
  const shapes = valueShapes(model);
  const outW = size(shapes[model.output]);
  const d = size(shapes[at]);
  const G = new Float64Array(d * d);
  const logits = values[model.output];
  const start = model.nodes.findIndex((nd) => nd.id === at);
  for (let s = 0; s < n; s++) {
    // rows of Λ^{1/2}, the cotangent of the output
    const M = new Float64Array(outW * outW);
    if (head === 'regression') for (let c = 0; c < outW; c++) M[c * outW + c] = 1;
    else {
      const z = logits.subarray(s * outW, (s + 1) * outW);
      const m = Math.max(...z);
      const e = Array.from(z, (v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      for (let c = 0; c < outW; c++) {
        const r = Math.sqrt(p[c]);
        for (let k = 0; k < outW; k++) M[c * outW + k] = r * ((k === c ? 1 : 0) - p[k]);
      }
    }
    // cotangents by value, accumulated over consumers (a value read twice gets both)
    const cot = new Map<ValueId, Float64Array>([[model.output, M]]);
    for (let i = model.nodes.length - 1; i > start; i--) {
      const node = model.nodes[i];
      const c = cot.get(node.id);
      if (!c) continue;
      cot.delete(node.id);
      const vjp = referenceOf(node.op).vjp;
      if (!vjp) throw new UnsupportedBackwardError(`reverse mode through ${node.op.kind} is not implemented`);
      const inShapes = node.inputs.map((v) => shapes[v]);
      const xs = node.inputs.map((v, k) => values[v].subarray(s * size(inShapes[k]), (s + 1) * size(inShapes[k])));
      const ins = vjp(node.op, { params, inShapes, xs, rows: outW, cotangent: c });
      node.inputs.forEach((v, k) => {
        const prev = cot.get(v);
        if (!prev) cot.set(v, ins[k]);
        else for (let j = 0; j < prev.length; j++) prev[j] += ins[k][j];
      });
    }
    const rowsAt = cot.get(at) ?? new Float64Array(outW * d);
    for (let r = 0; r < outW; r++) {
      const row = rowsAt.subarray(r * d, (r + 1) * d);
      for (let a = 0; a < d; a++) {
        const ra = row[a];
        if (ra === 0) continue;
        for (let b = 0; b < d; b++) G[a * d + b] += ra * row[b];
      }
    }
  }
  for (let k = 0; k < G.length; k++) G[k] /= n;
  return G;
}

/** Input-side factor A = E[a aᵀ] over value `at` (with a trailing 1 when `withBias`). */
export function inputSideCovariance(values: Float64Array[], n: number, inF: number, at: ValueId, withBias: boolean): Float64Array {
  const d = inF + (withBias ? 1 : 0);
  const A = new Float64Array(d * d);
  const x = values[at];
  const a = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < inF; f++) a[f] = x[s * inF + f];
    if (withBias) a[inF] = 1;
    for (let i = 0; i < d; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      for (let j = i; j < d; j++) A[i * d + j] += ai * a[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
    A[i * d + j] /= n;
    A[j * d + i] = A[i * d + j];
  }
  return A;
}
