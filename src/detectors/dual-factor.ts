/**
 * Dual-factor bottom subspace (METHOD §4–5, notes): node death made basis-free. For a unit layer
 * (producer → unit-wise ops → consumer) two factors live in unit coordinates:
 *  - activation side A = E[h hᵀ] over the unit activations h the consumer reads (METHOD §5);
 *  - consumer side  C = E[J_hᵀ Λ J_h], how the rest of the network reads h (K-FAC's output-side
 *    factor at h, per channel for conv units).
 * A unit direction u is dead to the activation order 1 + p only when it is low on both (h·u ≈ 0
 * and nothing reads u), so the candidates are the bottom `bottomK` eigenvectors of
 * A/‖A‖ + C/‖C‖ (each over its largest eigenvalue: scale-free, and a sum because the Fisher of the
 * direction at t = 0 is a sum of an outgoing term ∝ uᵀAu and an incoming term read through C).
 * Each u gives node death along u: ΔW_in = u αᵀ/√2 with α the normalised combined incoming row
 * Σ u_i row_i (bias appended), ΔW_out = β uᵀ/√2 with β the normalised combined outgoing column
 * (each a seeded random unit vector when exactly zero). For u = e_j this is node death of unit j;
 * inside the span of dead units the order is 1 + p in any basis (METHOD §4).
 */
import { symmetricEigen } from '../math/linalg.ts';
import { randomUnitVector } from '../math/random.ts';
import { size, valueShapes } from '../model/graph.ts';
import type { TensorPatch } from '../engine/types.ts';
import { skipsDense, type Candidate, type PausingDetector, type DetectorContext } from './types.ts';
import { outputFactor } from './output-factors.ts';
import { unitActivationCovariance, unitLayers, type UnitLayer } from './units.ts';
import { gather, incomingIndices, outgoingIndices, sparsePatch, unitVector } from './unit-weights.ts';

/** M = A/λ_max(A) + C/λ_max(C) of a unit layer (a factor that is 0 everywhere is left out). */
export async function dualFactorMatrix(ctx: DetectorContext, L: UnitLayer): Promise<Float64Array | null> {
  const d = L.units;
  const A = unitActivationCovariance(ctx.model, ctx.values, ctx.probe.count, L);
  const plane = size(valueShapes(ctx.model)[L.consumerInput]) / d;
  const C = await outputFactor(ctx, L.consumerInput, plane);
  if (!C) return null;
  const M = new Float64Array(d * d);
  for (const F of [A, C]) {
    await ctx.pause?.();
    const top = symmetricEigen(F, d).values[d - 1];
    if (!(top > 0)) continue;
    for (let k = 0; k < M.length; k++) M[k] += F[k] / top;
  }
  return M;
}

export const dualFactor: PausingDetector = {
  id: 'dual-factor',
  summary: 'per unit layer: bottom eigenvectors u of A/‖A‖ + C/‖C‖ (activation side × consumer side), node death along u',
  async detect(ctx) {
    const out: Candidate[] = [];
    for (const L of unitLayers(ctx.model)) {
      if (skipsDense(ctx, 'dual-factor', L.layer)) continue; // over a limit: the read warns
      const M = await dualFactorMatrix(ctx, L);
      if (!M) continue;
      const d = L.units;
      await ctx.pause?.();
      const eig = symmetricEigen(M, d);
      const inIdx = Array.from({ length: d }, (_, i) => incomingIndices(ctx.model, ctx.params, L, i));
      const outIdx = Array.from({ length: d }, (_, i) => outgoingIndices(ctx.model, ctx.params, L, i));
      const rows = inIdx.map((idx) => gather(ctx.params, idx));
      const cols = outIdx.map((idx) => gather(ctx.params, idx));
      const combine = (parts: Float64Array[], u: Float64Array): Float64Array => {
        const v = new Float64Array(parts[0].length);
        parts.forEach((p, i) => { if (u[i] !== 0) for (let k = 0; k < v.length; k++) v[k] += u[i] * p[k]; });
        return v;
      };
      for (let rank = 0; rank < Math.min(ctx.settings.bottomK, d); rank++) {
        const u = Float64Array.from(eig.vectors[rank]);
        const alphaOwn = unitVector(combine(rows, u));
        const betaOwn = unitVector(combine(cols, u));
        const alpha = alphaOwn ?? randomUnitVector(rows[0].length, ctx.rng);
        const beta = betaOwn ?? randomUnitVector(cols[0].length, ctx.rng);
        const zero = [alphaOwn ? null : 'incoming', betaOwn ? null : 'outgoing'].filter((x) => x !== null);
        const direction = (): TensorPatch => sparsePatch(ctx.params, inIdx.flatMap((idx, i) => u[i] === 0 ? [] : [
          { idx, values: alpha, scale: u[i] * Math.SQRT1_2 }, { idx: outIdx[i], values: beta, scale: u[i] * Math.SQRT1_2 },
        ]));
        out.push({
          id: `dual-factor:${L.layer}:${rank}`, detector: 'dual-factor', layer: L.layer, unit: null,
          tensors: [...new Set([...inIdx[0], ...outIdx[0]].map(([n]) => n))], direction,
          predictedK: 1 + L.order, gauge: false,
          ...(zero.length ? { note: `combined ${zero.join(' and ')} weights all zero: read along a seeded random ${zero.length > 1 ? 'row and column' : zero[0] === 'incoming' ? 'row' : 'column'}` } : {}),
        });
      }
    }
    return out;
  },
};
