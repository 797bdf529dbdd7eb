/**
 * Node death (METHOD §4): for unit j, v = (ΔW_in[j,:] = α/√2, ΔW_out[:,j] = β/√2), α the unit's
 * incoming row (bias appended) and β its outgoing column, each normalised, each a seeded random
 * unit vector when exactly zero. Δf = t·β·φ(t·α·x) ~ t^{1+p}: predicted k = 1 + p.
 */
import { randomUnitVector } from '../math/random.ts';
import type { TensorPatch } from '../engine/types.ts';
import type { Candidate, ImmediateDetector } from './types.ts';
import { unitLayers } from './units.ts';
import { gather, incomingIndices, outgoingIndices, sparsePatch, unitVector } from './unit-weights.ts';

export const nodeDeath: ImmediateDetector = {
  id: 'node-death',
  summary: 'every hidden unit / conv channel with its consumer: (incoming row, outgoing column)',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const L of unitLayers(ctx.model)) {
      for (let u = 0; u < L.units; u++) {
        const inIdx = incomingIndices(ctx.model, ctx.params, L, u);
        const outIdx = outgoingIndices(ctx.model, ctx.params, L, u);
        const a = gather(ctx.params, inIdx);
        const b = gather(ctx.params, outIdx);
        const alphaOwn = unitVector(a);
        const betaOwn = unitVector(b);
        const alpha = alphaOwn ?? randomUnitVector(a.length, ctx.rng);
        const beta = betaOwn ?? randomUnitVector(b.length, ctx.rng);
        const zero = [alphaOwn ? null : 'incoming', betaOwn ? null : 'outgoing'].filter((x) => x !== null);
        const direction = (): TensorPatch => sparsePatch(ctx.params, [
          { idx: inIdx, values: alpha, scale: Math.SQRT1_2 }, { idx: outIdx, values: beta, scale: Math.SQRT1_2 },
        ]);
        out.push({
          id: `node-death:${L.layer}:${u}`, detector: 'node-death', layer: L.layer, unit: u,
          tensors: [...inIdx, ...outIdx].map(([n]) => n), direction,
          predictedK: 1 + L.order, gauge: false,
          ...(zero.length ? { note: `${zero.join(' and ')} weights all zero: read along a seeded random ${zero.length > 1 ? 'row and column' : zero[0] === 'incoming' ? 'row' : 'column'} (the bare cell's order, not a trained direction)` } : {}),
        });
      }
    }
    return out;
  },
};
