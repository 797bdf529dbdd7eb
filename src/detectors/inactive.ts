/**
 * Inactive (data-dead) units (METHOD §3–4): ReLU-type units whose pre-activation is ≤ 0 on
 * every probe input (every position, for a channel). Perturbing their incoming row leaves
 * F = 0 exactly for small t: locally flat, not a symmetry.
 */
import { randomUnitVector } from '../math/random.ts';
import { valueShapes, size } from '../model/graph.ts';
import type { TensorPatch } from '../engine/types.ts';
import type { Candidate, ImmediateDetector, DetectorContext } from './types.ts';
import { unitFeature, unitLayers, type UnitLayer } from './units.ts';
import { gather, incomingIndices, sparsePatch, unitVector } from './unit-weights.ts';

/** Unit indices of L that never fire on the probe; null when L's first activation is not ReLU-type. */
export function inactiveUnits(ctx: Pick<DetectorContext, 'model' | 'values' | 'probe'>, L: UnitLayer): number[] | null {
  if (L.activationAt < 0) return null;
  const act = ctx.model.nodes[L.activationAt].op;
  if (act.kind !== 'activation' || (act.fn !== 'relu' && act.fn !== 'relu2')) return null;
  const pre = ctx.values[L.preActivation];
  const F = size(valueShapes(ctx.model)[L.preActivation]);
  const plane = F / L.units;
  const at = (u: number, p: number) => unitFeature(L, u, p, plane);
  const fired = new Uint8Array(L.units);
  for (let s = 0; s < ctx.probe.count; s++) {
    const o = s * F;
    for (let u = 0; u < L.units; u++) {
      for (let p = 0; p < plane && !fired[u]; p++) if (pre[o + at(u, p)] > 0) fired[u] = 1;
    }
  }
  const dead: number[] = [];
  fired.forEach((h, u) => { if (!h) dead.push(u); });
  return dead;
}

export const inactive: ImmediateDetector = {
  id: 'inactive',
  summary: 'ReLU units / channels that never fire on the probe inputs (incoming row)',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const L of unitLayers(ctx.model)) {
      for (const u of inactiveUnits(ctx, L) ?? []) {
        const idx = incomingIndices(ctx.model, ctx.params, L, u);
        const a = gather(ctx.params, idx);
        const alpha = unitVector(a) ?? randomUnitVector(a.length, ctx.rng);
        const direction = (): TensorPatch => sparsePatch(ctx.params, [{ idx, values: alpha }]);
        out.push({
          id: `inactive:${L.layer}:${u}`, detector: 'inactive', layer: L.layer, unit: u, tensors: idx.map(([n]) => n), direction,
          predictedK: null, gauge: false,
        });
      }
    }
    return out;
  },
};
