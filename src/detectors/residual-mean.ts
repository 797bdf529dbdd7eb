/**
 * Residual-stream mean gauge (METHOD §4). A LayerNorm erases any shift along 1 (mean-centring):
 * LN(x + c·1) = LN(x) exactly, for a c that may differ per input and position. A value is
 * "shift-erased along s" when every reader erases s: a LayerNorm (s = 1), or an op passing the
 * shift on to a shift-erased output — a residual `add`, `take`, `mean` of positions, `positional`, `cls` (same s) or a
 * layer `scale` x ⊙ γ (s ⊘ γ before it). In a pre-LN stack every reader of the stream is such an
 * op, so each writer into it has a gauge of its own, along a straight line (additive):
 *  - a linear writer (attention output, MLP down map): ΔW = s uᵀ, Δb = c·s;
 *  - the token embedding: ΔE[tok] = a_tok·s (not when an unembedding reads the same weight);
 *  - the position table: ΔP[t] = p_t·s; the CLS token: ΔCLS = s;
 *  - a patch-embedding conv (through `patchify`): ΔW[o] = s_o·u over its (in, kh, kw), Δb = c·s.
 * A linear map feeding one LayerNorm alone is ln-mean's, not repeated here.
 */
import { consumersOf, type GraphNode, type ModelGraph, type Op, type ValueId } from '../model/graph.ts';
import type { ParamSet, TensorPatch } from '../engine/types.ts';
import { randomUnitVector } from '../math/random.ts';
import type { Candidate, ImmediateDetector } from './types.ts';
import { normalizePatch } from './types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { ownsTensors, tensorUses } from './wiring.ts';
import { elementsOf } from '../format/held-tensor.ts';

/** a shift direction: 'ones' (1) or explicit per-feature values */
type Shift = 'ones' | Float64Array;

// a patch sequence [h·w, D] is the conv output [D, h, w] transposed: a per-token shift s is a per-channel one
// (a mean of positions of x_t + c_t·s is mean(x) + mean(c)·s: still along s)
const PASS_THROUGH: ReadonlySet<Op['kind']> = new Set(['add', 'take', 'mean', 'positional', 'cls', 'patchify']);

/** value → the shift direction every reader erases, or absent when some reader sees it */
export function erasedShifts(model: ModelGraph, params: ParamSet): Map<ValueId, Shift> {
  const readers = consumersOf(model);
  const erased = new Map<ValueId, Shift>();
  for (let n = model.nodes.length - 1; n >= 0; n--) {
    const v = model.nodes[n].id;
    const rs = readers.get(v);
    if (!rs?.length || v === model.output) continue;
    let common: Shift | null = null;
    for (const r of rs) {
      const s = shiftErasedBy(r, erased, params);
      if (!s || (common && !sameShift(common, s))) { common = null; break; }
      common ??= s;
    }
    if (common) erased.set(v, common);
  }
  return erased;
}

function shiftErasedBy(r: GraphNode, erased: Map<ValueId, Shift>, params: ParamSet): Shift | null {
  if (r.op.kind === 'layernorm') return 'ones';
  const after = erased.get(r.id);
  if (!after) return null;
  if (PASS_THROUGH.has(r.op.kind)) return after;
  if (r.op.kind === 'scale') {
    const gamma = params.get(r.op.weight)!.data;
    if (gamma.some((x) => x === 0)) return null;
    return Float64Array.from(gamma, (x, i) => (after === 'ones' ? 1 : after[i]) / x);
  }
  return null;
}

function sameShift(a: Shift, b: Shift): boolean {
  if (a === 'ones' && b === 'ones') return true;
  const n = a === 'ones' ? (b as Float64Array).length : a.length;
  const at = (s: Shift, i: number) => (s === 'ones' ? 1 : s[i]);
  // parallel: a_i b_0 = b_i a_0 to rounding
  for (let i = 0; i < n; i++) if (Math.abs(at(a, i) * at(b, 0) - at(b, i) * at(a, 0)) > 1e-12 * Math.abs(at(a, 0) * at(b, 0))) return false;
  return true;
}

const expand = (s: Shift, n: number): Float64Array => (s === 'ones' ? new Float64Array(n).fill(1) : s);

export const residualMean: ImmediateDetector = {
  id: 'residual-mean',
  summary: 'residual-stream mean gauge: a writer into a stream every reader of which mean-centres it (pre-LN) moves along 1',
  detect(ctx) {
    const out: Candidate[] = [];
    const erased = erasedShifts(ctx.model, ctx.params);
    const readers = consumersOf(ctx.model);
    const uses = tensorUses(ctx.model);
    for (const node of ctx.model.nodes) {
      const s = erased.get(node.id);
      if (!s) continue;
      const op = node.op;
      if (!ownsTensors(uses, op)) continue; // tied (e.g. the embedding an unembedding reads): not exact
      const p: TensorPatch = new Map();
      let layer: string;
      if (op.kind === 'linear') {
        const only = readers.get(node.id)!;
        if (only.length === 1 && only[0].op.kind === 'layernorm') continue; // ln-mean
        const shift = expand(s, op.outFeatures);
        const u = randomUnitVector(op.inFeatures + (op.bias ? 1 : 0), ctx.rng);
        const W = new Float64Array(op.outFeatures * op.inFeatures);
        for (let o = 0; o < op.outFeatures; o++) for (let i = 0; i < op.inFeatures; i++) W[linearWeightIndex(op, o, i)] = shift[o] * u[i];
        p.set(op.weight, W);
        if (op.bias) p.set(op.bias, shift.map((x) => x * u[op.inFeatures]));
        layer = op.layer;
      } else if (op.kind === 'conv2d') {
        const shift = expand(s, op.outChannels);
        const W = ctx.params.get(op.weight)!.data;
        const per = W.length / op.outChannels; // [out, in, kh, kw]
        const u = randomUnitVector(per + (op.bias ? 1 : 0), ctx.rng);
        p.set(op.weight, Float64Array.from(W, (_, k) => shift[Math.floor(k / per)] * u[k % per]));
        if (op.bias) p.set(op.bias, shift.map((x) => x * u[per]));
        layer = op.layer;
      } else if (op.kind === 'embedding' || op.kind === 'positional' || op.kind === 'cls') {
        // a table [rows, D] (the position table may be stored [1, T, D]): row r moves by a_r·s
        const { weight, layer: name } = op;
        const table = ctx.params.get(weight)!;
        const D = table.shape[table.shape.length - 1];
        const rows = elementsOf(table) / D;
        const shift = expand(s, D);
        const a = randomUnitVector(rows, ctx.rng);
        const T = new Float64Array(elementsOf(table));
        for (let r = 0; r < rows; r++) for (let i = 0; i < D; i++) T[r * D + i] = a[r] * shift[i];
        p.set(weight, T);
        layer = name;
      } else continue;
      out.push({
        id: `residual-mean:${layer}`, detector: 'residual-mean', layer, unit: null, tensors: [...p.keys()],
        direction: () => normalizePatch(p), predictedK: null, gauge: true,
      });
    }
    return out;
  },
};
