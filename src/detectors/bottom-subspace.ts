/**
 * Bottom subspace (METHOD §4, basis-free): the Fisher block of a linear layer is ≈ A ⊗ G (K-FAC).
 * Bottom eigenvectors a of A and g of G give rank-one directions ΔW = g aᵀ with Fisher ≈ λ_A·λ_G;
 * the `bottomK` smallest products are the candidates. Finds dead structure rotated off the axes.
 */
import { inputSideCovariance, outputSideCovariance, UnsupportedBackwardError } from '../ops/interpret.ts';
import { symmetricEigen } from '../math/linalg.ts';
import type { TensorPatch } from '../engine/types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { size, valueShapes } from '../model/graph.ts';
import type { Candidate, Detector } from './types.ts';

export const bottomSubspace: Detector = {
  id: 'bottom-subspace',
  summary: 'K-FAC A⊗G: the bottomK smallest eigen-products per linear layer, ΔW = g aᵀ',
  detect(ctx) {
    const out: Candidate[] = [];
    ctx.model.nodes.forEach((node) => {
      const op = node.op;
      if (op.kind !== 'linear') return;
      const withBias = op.bias !== null;
      let G: Float64Array;
      try {
        G = outputSideCovariance(ctx.model, ctx.params, ctx.values, ctx.probe.count, ctx.head, node.id);
      } catch (e) {
        if (e instanceof UnsupportedBackwardError) return;
        throw e;
      }
      // positionwise: every position is a row of the same map (K-FAC over samples × positions):
      // A over all rows, G the sum of the per-position diagonal blocks
      const T = op.positionwise ? size(valueShapes(ctx.model)[node.inputs[0]]) / op.inFeatures : 1;
      if (T > 1) G = positionBlockSum(G, T, op.outFeatures);
      const A = inputSideCovariance(ctx.values, ctx.probe.count * T, op.inFeatures, node.inputs[0], withBias);
      const dA = op.inFeatures + (withBias ? 1 : 0);
      const eA = symmetricEigen(A, dA);
      const eG = symmetricEigen(G, op.outFeatures);
      const pairs: { a: number; g: number; product: number }[] = [];
      const take = Math.min(ctx.settings.bottomK, dA * op.outFeatures);
      // the smallest products come from the bottom `take` of each factor
      for (let a = 0; a < Math.min(take, dA); a++)
        for (let g = 0; g < Math.min(take, op.outFeatures); g++)
          pairs.push({ a, g, product: Math.max(eA.values[a], 0) * Math.max(eG.values[g], 0) });
      pairs.sort((x, y) => x.product - y.product || x.a - y.a || x.g - y.g);
      pairs.slice(0, take).forEach(({ a, g }, rank) => {
        const av = eA.vectors[a];
        const gv = eG.vectors[g];
        const direction = (): TensorPatch => {
          const W = new Float64Array(op.outFeatures * op.inFeatures);
          for (let o = 0; o < op.outFeatures; o++) for (let c = 0; c < op.inFeatures; c++) W[linearWeightIndex(op, o, c)] = gv[o] * av[c];
          const p: TensorPatch = new Map([[op.weight, W]]);
          if (withBias) p.set(op.bias!, Float64Array.from(gv, (x) => x * av[op.inFeatures]));
          return p;
        };
        out.push({
          id: `bottom-subspace:${op.layer}:${rank}`, detector: 'bottom-subspace', layer: op.layer, unit: null,
          tensors: withBias ? [op.weight, op.bias!] : [op.weight], direction,
          predictedK: null, gauge: false,
        });
      });
    });
    return out;
  },
};

/** Σ_t G[t, t] of a (T·d) × (T·d) matrix in [T][d] blocks. */
function positionBlockSum(G: Float64Array, T: number, d: number): Float64Array {
  const out = new Float64Array(d * d);
  const w = T * d;
  for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += G[(t * d + i) * w + t * d + j];
  return out;
}
