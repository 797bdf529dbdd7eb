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
  const steps = evaluationSteps(model, params, input, n, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** evaluateDense awaiting `pause` after every node (a long forward pass a read can cancel). */
export async function evaluateDensePausing(
  model: ModelGraph, params: ParamSet, input: Float64Array, n: number,
  options: { tangent?: TensorPatch | null; keepValues?: boolean }, pause: () => Promise<void>,
): Promise<DenseResult> {
  const steps = evaluationSteps(model, params, input, n, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

/** The evaluation node by node (yields after each): the one implementation of both drivers above. */
function* evaluationSteps(
  model: ModelGraph, params: ParamSet, input: Float64Array, n: number,
  options: { tangent?: TensorPatch | null; keepValues?: boolean },
): Generator<void, DenseResult> {
  const shapes = valueShapes(model);
  const tangent = options.tangent ?? null;
  const vals: Float64Array[] = [input];
  const tans: (Float64Array | null)[] = [null];
  // a value no later node reads is dropped as soon as it is consumed, unless values are kept
  const lastUse = new Map<number, number>();
  model.nodes.forEach((node, i) => node.inputs.forEach((v) => lastUse.set(v, i)));
  for (const [i, node] of model.nodes.entries()) {
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
    yield;
  }
  return { values: options.keepValues ? vals : null, z: vals[model.output], dz: tans[model.output], outWidth: size(shapes[model.output]) };
}

/** Replace tensors of a parameter set (θ̂ + delta on the patched tensors). */
export function withDelta(params: ParamSet, delta: TensorPatch): ParamSet {
  const out: ParamSet = new Map(params);
  for (const [name, d] of delta) {
    const t = params.get(name);
    if (!t) throw new Error(`patch names unknown tensor ${name}`);
    const base = t.data;
    const data = new Float64Array(base.length);
    for (let i = 0; i < data.length; i++) data[i] = base[i] + d[i];
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

/**
 * One output-side factor wanted: at value `at`, its features grouped into channels over `plane`
 * positions, stored channels-first (a conv's [C, H, W]: feature c·plane + p) or positions-first
 * (a sequence's [T, D]: feature p·D + c).
 */
export interface OutputFactorRequest { at: ValueId; plane: number; order?: 'channels-first' | 'positions-first' }

/**
 * Output-side K-FAC factor G = E_x[J_zᵀ Λ J_z] for value `at` (METHOD §4), by reverse mode from
 * the logits with each op's VJP: Λ = I (regression), diag p − ppᵀ = Σ_c p_c (e_c − p)(e_c − p)ᵀ
 * (classification) or I − 11ᵀ/K (centred logits), so each sample back-propagates the rows of Λ^{1/2}. With `plane` > 1 the
 * value's features are grouped into d/plane channels of `plane` consecutive features (a conv
 * channel's positions; see OutputFactorRequest) and G is the channel factor Σ_p G[(i,p),(j,p)]
 * (Grosse & Martens 2016). One reverse pass per sample serves every request; a request behind an op without a VJP is null.
 */
export async function outputSideCovariances(
  model: ModelGraph, params: ParamSet, values: Float64Array[], n: number, head: Head, requests: OutputFactorRequest[],
  pause?: () => Promise<void>,
): Promise<(Float64Array | null)[]> {
  const shapes = valueShapes(model);
  const outW = size(shapes[model.output]);
  const dims = requests.map((q) => size(shapes[q.at]) / q.plane);
  const Gs = dims.map((d) => new Float64Array(d * d));
  const reached = requests.map(() => true);
  const logits = values[model.output];
  const position = new Map(model.nodes.map((nd, i) => [nd.id, i]));
  // walk back to the earliest requested value (the input, value 0, sits before every node)
  const start = Math.min(...requests.map((q) => position.get(q.at) ?? -1));
  const fold = (k: number, rowsAt: Float64Array) => {
    const { plane, order } = requests[k];
    const d = dims[k];
    const width = d * plane;
    const G = Gs[k];
    // feature (channel a, position p) sits at a·plane + p, or at p·d + a positions-first
    const [ca, cp] = order === 'positions-first' ? [1, d] : [plane, 1];
    for (let r = 0; r < outW; r++) {
      const row = rowsAt.subarray(r * width, (r + 1) * width);
      for (let a = 0; a < d; a++) for (let p = 0; p < plane; p++) {
        const ra = row[a * ca + p * cp];
        if (ra === 0) continue;
        // G is symmetric: the upper triangle here, mirrored at the end (each entry's terms in the same order)
        for (let b = a; b < d; b++) G[a * d + b] += ra * row[b * ca + p * cp];
      }
    }
  };
  for (let s = 0; s < n; s++) {
    // a pass per sample: a long read can be cancelled between them
    await pause?.();
    // rows of Λ^{1/2}, the cotangent of the output
    const M = new Float64Array(outW * outW);
    if (head === 'regression') for (let c = 0; c < outW; c++) M[c * outW + c] = 1;
    // centred logits: Λ = I − 11ᵀ/K is a projector, its own square root
    else if (head === 'logits') for (let c = 0; c < outW; c++) for (let k = 0; k < outW; k++) M[c * outW + k] = (k === c ? 1 : 0) - 1 / outW;
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
    const take = (v: ValueId) => requests.forEach((q, k) => { if (q.at === v && reached[k]) fold(k, cot.get(v) ?? new Float64Array(outW * size(shapes[v]))); });
    for (let i = model.nodes.length - 1; i > start; i--) {
      const node = model.nodes[i];
      take(node.id);
      const c = cot.get(node.id);
      if (!c) continue;
      cot.delete(node.id);
      const vjp = referenceOf(node.op).vjp;
      if (!vjp) {
        // nothing before this node is reachable: the requests behind it are null
        requests.forEach((q, k) => { if ((position.get(q.at) ?? -1) < i) reached[k] = false; });
        break;
      }
      const inShapes = node.inputs.map((v) => shapes[v]);
      const xs = node.inputs.map((v, k) => values[v].subarray(s * size(inShapes[k]), (s + 1) * size(inShapes[k])));
      const ins = vjp(node.op, { params, inShapes, xs, rows: outW, cotangent: c });
      node.inputs.forEach((v, k) => {
        const prev = cot.get(v);
        if (!prev) cot.set(v, ins[k]);
        else for (let j = 0; j < prev.length; j++) prev[j] += ins[k][j];
      });
    }
    take(start < 0 ? 0 : model.nodes[start].id);
  }
  return Gs.map((G, k) => {
    if (!reached[k]) return null;
    const d = dims[k];
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) G[a * d + b] = G[b * d + a];
    for (let j = 0; j < G.length; j++) G[j] /= n;
    return G;
  });
}

/** G of one value (see outputSideCovariances); throws UnsupportedBackwardError when unreachable. */
export async function outputSideCovariance(
  model: ModelGraph, params: ParamSet, values: Float64Array[], n: number, head: Head, at: ValueId, plane = 1,
): Promise<Float64Array> {
  const [G] = await outputSideCovariances(model, params, values, n, head, [{ at, plane }]);
  if (!G) throw new UnsupportedBackwardError(`reverse mode cannot reach value ${at}: an op on the way has no VJP`);
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
