/**
 * ReLU rescaling gauge (METHOD §4): (w_in,j → e^t w_in,j, w_out,j → e^{−t} w_out,j) leaves f
 * unchanged for a positively homogeneous φ. The path is curved, so the detector supplies it.
 */
import type { TensorPatch } from '../engine/types.ts';
import type { Candidate, Detector } from './types.ts';
import { normalizePatch } from './types.ts';
import { unitLayers } from './units.ts';
import { gather, incomingIndices, outgoingIndices, scatterInto } from './unit-weights.ts';

export const reluRescaling: Detector = {
  id: 'relu-rescaling',
  summary: 'ReLU rescaling gauge of each hidden unit, along its exact orbit (e^t w_in, e^−t w_out)',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const L of unitLayers(ctx.model)) {
      // only a single ReLU between producer and consumer keeps the homogeneity exact
      if (L.between.length !== 1 || L.activations[0] !== 'relu') continue;
      if (ctx.model.ops[L.producer].kind === 'layernorm') continue;
      for (let u = 0; u < L.units; u++) {
        const inIdx = incomingIndices(ctx.model, ctx.params, L, u);
        const outIdx = outgoingIndices(ctx.model, ctx.params, L, u);
        const a = gather(ctx.params, inIdx);
        const b = gather(ctx.params, outIdx);
        if (!a.some((x) => x !== 0) || !b.some((x) => x !== 0)) continue; // no orbit through zero
        const tangentAt = (t: number): TensorPatch => {
          const p: TensorPatch = new Map();
          scatterInto(p, ctx.params, inIdx, a, Math.exp(t));
          scatterInto(p, ctx.params, outIdx, b, -Math.exp(-t));
          return normalizePatch(p);
        };
        const orbit = (t: number) => {
          const delta: TensorPatch = new Map();
          scatterInto(delta, ctx.params, inIdx, a, Math.expm1(t));
          scatterInto(delta, ctx.params, outIdx, b, Math.exp(-t) - 1);
          return { delta, tangent: tangentAt(t) };
        };
        out.push({
          id: `relu-rescaling:${L.layer}:${u}`, detector: 'relu-rescaling', layer: L.layer, unit: u,
          tensors: [...inIdx, ...outIdx].map(([n]) => n), direction: () => tangentAt(0), predictedK: null, gauge: true, orbit,
        });
      }
    }
    return out;
  },
};
