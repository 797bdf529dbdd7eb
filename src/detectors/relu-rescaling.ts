/**
 * ReLU rescaling gauge (METHOD §4): (w_in,j → e^t w_in,j, w_out,j → e^{−t} w_out,j) leaves f
 * unchanged for a positively homogeneous φ. The path is curved, so the detector supplies it.
 * Along it every tensor's delta and tangent are multiples of the unit's current weights, so the
 * orbit is handed to the engine as scaled points of one fixed basis (nothing allocated per t).
 */
import { arraysOf, scaledPoint, type TensorPatch } from '../engine/types.ts';
import type { Candidate, ImmediateDetector } from './types.ts';
import { unitLayers } from './units.ts';
import { gather, incomingIndices, outgoingIndices, sparsePatch } from './unit-weights.ts';

const sumSquares = (v: Float64Array) => v.reduce((s, x) => s + x * x, 0);

export const reluRescaling: ImmediateDetector = {
  id: 'relu-rescaling',
  summary: 'ReLU rescaling gauge of each hidden unit, along its exact orbit (e^t w_in, e^−t w_out)',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const L of unitLayers(ctx.model)) {
      // only a single ReLU between producer and consumer keeps the homogeneity exact
      if (L.between.length !== 1 || L.activations[0] !== 'relu') continue;
      if (ctx.model.nodes[L.producer].op.kind === 'layernorm') continue;
      for (let u = 0; u < L.units; u++) {
        const inIdx = incomingIndices(ctx.model, ctx.params, L, u);
        const outIdx = outgoingIndices(ctx.model, ctx.params, L, u);
        const a = gather(ctx.params, inIdx);
        const b = gather(ctx.params, outIdx);
        if (!a.some((x) => x !== 0) || !b.some((x) => x !== 0)) continue; // no orbit through zero
        const inNames = inIdx.map(([n]) => n);
        const outNames = outIdx.map(([n]) => n);
        const aa = sumSquares(a);
        const bb = sumSquares(b);
        let basis: TensorPatch | null = null;
        const weights = (): TensorPatch => {
          basis ??= sparsePatch(ctx.params, [{ idx: inIdx, values: a }, { idx: outIdx, values: b }]);
          return basis;
        };
        const scales = (fIn: number, fOut: number) =>
          new Map([...inNames.map((n) => [n, fIn] as const), ...outNames.map((n) => [n, fOut] as const)]);
        // θ(t) − θ̂ = ((e^t − 1) w_in, (e^−t − 1) w_out); unit tangent ∝ (e^t w_in, −e^−t w_out)
        const orbit = (t: number) => {
          const norm = Math.sqrt(Math.exp(2 * t) * aa + Math.exp(-2 * t) * bb);
          return scaledPoint(weights(), scales(Math.expm1(t), Math.expm1(-t)), scales(Math.exp(t) / norm, -Math.exp(-t) / norm));
        };
        out.push({
          id: `relu-rescaling:${L.layer}:${u}`, detector: 'relu-rescaling', layer: L.layer, unit: u,
          tensors: [...inNames, ...outNames], direction: () => arraysOf(orbit(0).tangent), predictedK: null, gauge: true, orbit,
        });
      }
    }
    return out;
  },
};
