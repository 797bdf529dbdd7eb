/**
 * LayerNorm gauges (METHOD §4). For h = W x + b feeding a LayerNorm directly:
 *  - ln-mean: ΔW = 1 uᵀ, Δb = c·1 (the same vector added to every row) is erased by mean-centring;
 *  - ln-scale: ΔW = W, Δb = b is erased by normalisation (up to ε); the ray θ̂(1+t) is the orbit.
 * After the LayerNorm y = γ ⊙ n + β with Σ n_i = 0, a linear map consuming y *directly* has
 *  - ln-kernel: ΔW_next = u gᵀ, Δb_next = −u (gᵀβ), g = γ⁻¹/‖γ⁻¹‖, which changes nothing.
 * It does not exist when an activation sits between (LayerNorm → GELU → Linear). A position taken
 * or a mean of positions of y is again γ ⊙ n' + β with Σ n'_i = 0, and a `concat` only moves those
 * features to an offset of the map's input, so a map reading y through them (DINOv2's classifier on
 * cat[y₀, mean y₁…]) has the same kernel on those columns.
 * All three paths are straight lines (additive or a ray), so no orbit is supplied.
 */
import { randomUnitVector } from '../math/random.ts';
import { consumersOf, producerOf, valueShapes, type GraphNode, type LayerNormOp, type LinearOp, type Op, type ValueId } from '../model/graph.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { ownsTensors, tensorUses } from './wiring.ts';
import type { TensorPatch } from '../engine/types.ts';
import type { Candidate, ImmediateDetector, DetectorContext } from './types.ts';
import { normalizePatch } from './types.ts';

interface LayerNormSite {
  ln: LayerNormOp;
  /** the linear map whose output only this LayerNorm reads, when it owns its tensors */
  before: LinearOp | undefined;
  /**
   * the linear maps reading the LayerNorm output, each owning its tensors (not tied): directly
   * (`via` null), or through `take`/`mean` of positions and `concat`, its features at `offset`
   */
  readers: { lin: LinearOp; offset: number; via: string | null }[];
  /** how many ops read the LayerNorm output */
  readerCount: number;
  /** the normed (last) axis */
  width: number;
}

/** Every LayerNorm of the graph, branching or not, with the linear maps around it. */
function layerNorms(ctx: DetectorContext): LayerNormSite[] {
  const out: LayerNormSite[] = [];
  const readers = consumersOf(ctx.model);
  const uses = tensorUses(ctx.model);
  const owned = (op: Op | undefined): op is LinearOp => op?.kind === 'linear' && ownsTensors(uses, op);
  const shapes = valueShapes(ctx.model);
  /** the owned linear maps reading value v's features at `offset` of their last axis, through position reductions and joins */
  const reached = (v: ValueId, offset: number, via: string[]): LayerNormSite['readers'] => (readers.get(v) ?? []).flatMap((r: GraphNode) => {
    if (r.op.kind === 'linear') {
      // through a join, the map must read the last axis (one vector, or per position)
      const last = shapes[v].length === 1 || r.op.positionwise === true;
      return owned(r.op) && (!via.length || (last && shapes[v][shapes[v].length - 1] === r.op.inFeatures)) ? [{ lin: r.op, offset, via: via.length ? via.join('+') : null }] : [];
    }
    if (r.op.kind === 'take' || r.op.kind === 'mean') return reached(r.id, offset, [...via, r.op.kind]);
    if (r.op.kind === 'concat') {
      const left = shapes[r.inputs[0]];
      return r.inputs.flatMap((x, k) => (x === v ? reached(r.id, offset + (k === 1 ? left[left.length - 1] : 0), [...via, 'concat']) : []));
    }
    return [];
  });
  ctx.model.nodes.forEach((node) => {
    if (node.op.kind !== 'layernorm') return;
    const input = node.inputs[0];
    // the producer counts only when the value between them has no other reader
    const producer = readers.get(input)?.length === 1 ? producerOf(ctx.model, input)?.op : undefined;
    const next = node.id === ctx.model.output ? [] : (readers.get(node.id) ?? []);
    out.push({
      ln: node.op, before: owned(producer) ? producer : undefined,
      readers: node.id === ctx.model.output ? [] : reached(node.id, 0, []), readerCount: next.length,
      width: shapes[node.id][shapes[node.id].length - 1],
    });
  });
  return out;
}

export const lnMean: ImmediateDetector = {
  id: 'ln-mean',
  summary: 'LayerNorm mean gauge: the same vector added to every row of the linear map feeding it',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, before: lin }) => {
      if (!lin) return [];
      const u = randomUnitVector(lin.inFeatures + (lin.bias ? 1 : 0), ctx.rng);
      const W = new Float64Array(lin.outFeatures * lin.inFeatures);
      for (let o = 0; o < lin.outFeatures; o++) for (let i = 0; i < lin.inFeatures; i++) W[linearWeightIndex(lin, o, i)] = u[i];
      const p: TensorPatch = new Map([[lin.weight, W]]);
      if (lin.bias) p.set(lin.bias, new Float64Array(lin.outFeatures).fill(u[lin.inFeatures]));
      return [gaugeCandidate('ln-mean', ln.layer, normalizePatch(p))];
    });
  },
};

export const lnScale: ImmediateDetector = {
  id: 'ln-scale',
  summary: 'LayerNorm scale gauge: scaling the linear map feeding it (ΔW = W, Δb = b)',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, before: lin }) => {
      if (!lin) return [];
      const p: TensorPatch = new Map([[lin.weight, Float64Array.from(ctx.params.get(lin.weight)!.data)]]);
      if (lin.bias) p.set(lin.bias, Float64Array.from(ctx.params.get(lin.bias)!.data));
      return [gaugeCandidate('ln-scale', ln.layer, normalizePatch(p))];
    });
  },
};

export const lnKernel: ImmediateDetector = {
  id: 'ln-kernel',
  summary: 'LayerNorm kernel: ΔW_next = u gᵀ, Δb_next = −u gᵀβ for a linear map reading the LayerNorm directly',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, readers, readerCount, width }) => readers.flatMap(({ lin: next, offset, via }) => {
      // an activation in between is no reader here: no kernel (METHOD §4)
      const gamma = ln.weight ? ctx.params.get(ln.weight)!.data : new Float64Array(width).fill(1);
      const beta = ln.bias ? ctx.params.get(ln.bias)!.data : new Float64Array(width);
      // γ⁻¹ undefined, or a map over more than the normed axis (a direct reader reads exactly it; a joined one a block of its last axis)
      if (gamma.some((x) => x === 0) || (via === null ? width !== next.inFeatures : offset + width > next.inFeatures)) return [];
      const f = width;
      const g = Float64Array.from(gamma, (x) => 1 / x);
      const gn = Math.hypot(...g);
      for (let i = 0; i < f; i++) g[i] /= gn;
      let gb = 0;
      for (let i = 0; i < f; i++) gb += g[i] * beta[i];
      // without a bias to absorb it, the shift u·(gᵀβ) is a real change: no kernel unless gᵀβ = 0
      if (!next.bias && gb !== 0) return [];
      const u = randomUnitVector(next.outFeatures, ctx.rng);
      const W = new Float64Array(next.outFeatures * next.inFeatures);
      for (let o = 0; o < next.outFeatures; o++) for (let i = 0; i < f; i++) W[linearWeightIndex(next, o, offset + i)] = u[o] * g[i];
      const p: TensorPatch = new Map([[next.weight, W]]);
      if (next.bias) p.set(next.bias, u.map((x) => -x * gb));
      // one kernel per map reading the norm (each exists alone); the id names the map when there are
      // several, and the path and the columns when the map reads the norm through positions and joins
      const suffix = via !== null ? `:${next.layer}@${offset}` : readerCount === 1 ? '' : `:${next.layer}`;
      return [gaugeCandidate('ln-kernel', ln.layer, normalizePatch(p), suffix)];
    }));
  },
};

function gaugeCandidate(detector: string, layer: string, direction: TensorPatch, idSuffix = ''): Candidate {
  return {
    id: `${detector}:${layer}${idSuffix}`, detector, layer, unit: null, tensors: [...direction.keys()], direction: () => direction,
    predictedK: null, gauge: true,
  };
}
