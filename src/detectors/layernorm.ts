/**
 * LayerNorm gauges (METHOD §4). For h = W x + b feeding a LayerNorm directly:
 *  - ln-mean: ΔW = 1 uᵀ, Δb = c·1 (the same vector added to every row) is erased by mean-centring;
 *  - ln-scale: ΔW = W, Δb = b is erased by normalisation (up to ε); the ray θ̂(1+t) is the orbit.
 * After the LayerNorm y = γ ⊙ n + β with Σ n_i = 0, a linear map consuming y *directly* has
 *  - ln-kernel: ΔW_next = u gᵀ, Δb_next = −u (gᵀβ), g = γ⁻¹/‖γ⁻¹‖, which changes nothing.
 * It does not exist when an activation sits between (LayerNorm → GELU → Linear).
 * All three paths are straight lines (additive or a ray), so no orbit is supplied.
 */
import { randomUnitVector } from '../math/random.ts';
import { consumersOf, producerOf, type LayerNormOp, type LinearOp, type Op } from '../model/graph.ts';
import type { TensorPatch } from '../engine/types.ts';
import type { Candidate, Detector, DetectorContext } from './types.ts';
import { normalizePatch } from './types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';

function layerNorms(ctx: DetectorContext): { ln: LayerNormOp; at: number; before: Op | undefined; after: Op | undefined }[] {
  const out: { ln: LayerNormOp; at: number; before: Op | undefined; after: Op | undefined }[] = [];
  const readers = consumersOf(ctx.model);
  // a neighbour counts only when the value between them has no other reader
  const sole = (v: number) => (readers.get(v)?.length === 1 ? readers.get(v)![0] : undefined);
  ctx.model.nodes.forEach((node, i) => {
    if (node.op.kind !== 'layernorm') return;
    const input = node.inputs[0];
    const before = sole(input) ? producerOf(ctx.model, input)?.op : undefined;
    out.push({ ln: node.op, at: i, before, after: sole(node.id)?.op });
  });
  return out;
}

export const lnMean: Detector = {
  id: 'ln-mean',
  summary: 'LayerNorm mean gauge: the same vector added to every row of the linear map feeding it',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, before }) => {
      if (before?.kind !== 'linear') return [];
      const lin = before as LinearOp;
      const u = randomUnitVector(lin.inFeatures + (lin.bias ? 1 : 0), ctx.rng);
      const W = new Float64Array(lin.outFeatures * lin.inFeatures);
      for (let o = 0; o < lin.outFeatures; o++) for (let i = 0; i < lin.inFeatures; i++) W[linearWeightIndex(lin, o, i)] = u[i];
      const p: TensorPatch = new Map([[lin.weight, W]]);
      if (lin.bias) p.set(lin.bias, new Float64Array(lin.outFeatures).fill(u[lin.inFeatures]));
      return [gaugeCandidate('ln-mean', ln.layer, normalizePatch(p))];
    });
  },
};

export const lnScale: Detector = {
  id: 'ln-scale',
  summary: 'LayerNorm scale gauge: scaling the linear map feeding it (ΔW = W, Δb = b)',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, before }) => {
      if (before?.kind !== 'linear') return [];
      const lin = before as LinearOp;
      const p: TensorPatch = new Map([[lin.weight, ctx.params.get(lin.weight)!.data.slice()]]);
      if (lin.bias) p.set(lin.bias, ctx.params.get(lin.bias)!.data.slice());
      return [gaugeCandidate('ln-scale', ln.layer, normalizePatch(p))];
    });
  },
};

export const lnKernel: Detector = {
  id: 'ln-kernel',
  summary: 'LayerNorm kernel: ΔW_next = u gᵀ, Δb_next = −u gᵀβ for a linear map reading the LayerNorm directly',
  detect(ctx) {
    return layerNorms(ctx).flatMap(({ ln, after }) => {
      if (after?.kind !== 'linear') return []; // an activation in between: no kernel (METHOD §4)
      const next = after as LinearOp;
      const f = next.inFeatures;
      const gamma = ln.weight ? ctx.params.get(ln.weight)!.data : new Float64Array(f).fill(1);
      const beta = ln.bias ? ctx.params.get(ln.bias)!.data : new Float64Array(f);
      if (gamma.some((x) => x === 0)) return []; // γ⁻¹ undefined
      const g = gamma.map((x) => 1 / x);
      const gn = Math.hypot(...g);
      for (let i = 0; i < f; i++) g[i] /= gn;
      let gb = 0;
      for (let i = 0; i < f; i++) gb += g[i] * beta[i];
      // without a bias to absorb it, the shift u·(gᵀβ) is a real change: no kernel unless gᵀβ = 0
      if (!next.bias && gb !== 0) return [];
      const u = randomUnitVector(next.outFeatures, ctx.rng);
      const W = new Float64Array(next.outFeatures * f);
      for (let o = 0; o < next.outFeatures; o++) for (let i = 0; i < f; i++) W[linearWeightIndex(next, o, i)] = u[o] * g[i];
      const p: TensorPatch = new Map([[next.weight, W]]);
      if (next.bias) p.set(next.bias, u.map((x) => -x * gb));
      return [gaugeCandidate('ln-kernel', ln.layer, normalizePatch(p))];
    });
  },
};

function gaugeCandidate(detector: string, layer: string, direction: TensorPatch): Candidate {
  return {
    id: `${detector}:${layer}`, detector, layer, unit: null, tensors: [...direction.keys()], direction: () => direction,
    predictedK: null, gauge: true,
  };
}
