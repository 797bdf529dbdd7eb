/**
 * Normalisation rescaling gauges `ln-rescaling` and `rms-rescaling` (METHOD §4): y = γ ⊙ n (+ β) read only by linear maps. Scaling
 * feature i of the norm (γ_i, β_i → e^{t d_i} γ_i, e^{t d_i} β_i) and column i of every reader
 * (W[:, i] → e^{−t d_i} W[:, i]) leaves each reader's output unchanged: exact for RMSNorm and
 * LayerNorm alike, along the exact orbit (a product of exponentials, d a seeded unit vector).
 * Not where a reader's weight is tied to another use (a tied unembedding moves the embedding)
 * or where anything but a linear map reads the norm.
 */
import { consumersOf, type LinearOp } from '../model/graph.ts';
import type { FisherQuery, TensorPatch } from '../engine/types.ts';
import { randomUnitVector } from '../math/random.ts';
import type { Candidate, ImmediateDetector } from './types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { entryRuns, ownsTensors, tensorUses } from './wiring.ts';
import { sparsePatch } from './unit-weights.ts';

function rescaling(kind: 'layernorm' | 'rmsnorm'): ImmediateDetector {
  const id = kind === 'layernorm' ? 'ln-rescaling' : 'rms-rescaling';
  return {
    id,
    summary: kind === 'layernorm'
      ? 'LayerNorm rescaling: γ_i, β_i → e^{t d_i}·(γ_i, β_i) with column i of every linear map reading it → e^{−t d_i}, along the exact orbit'
      : 'RMSNorm rescaling: γ_i → e^{t d_i}·γ_i with column i of every linear map reading it → e^{−t d_i}, along the exact orbit',
    detect(ctx) {
      const out: Candidate[] = [];
      const readers = consumersOf(ctx.model);
      const uses = tensorUses(ctx.model);
      for (const node of ctx.model.nodes) {
        const op = node.op;
        if (op.kind !== kind) continue;
        if (!op.weight || !ownsTensors(uses, op) || node.id === ctx.model.output) continue;
        const rs = readers.get(node.id) ?? [];
        if (!rs.length || !rs.every((r) => r.op.kind === 'linear' && ownsTensors(uses, r.op))) continue;
        const lins = rs.map((r) => r.op as LinearOp);
        const gamma = ctx.params.get(op.weight)!.data;
        const width = gamma.length;
        if (lins.some((l) => l.inFeatures !== width)) continue; // a map over more than the normed axis
        const scaled = [op.weight, ...(op.kind === 'layernorm' && op.bias ? [op.bias] : [])];
        const d = randomUnitVector(width, ctx.rng);
        // (tensor, flat index, current value, generator entry) of every moved parameter
        const entries: { tensor: string; index: number; value: number; rate: number }[] = [];
        for (const name of scaled) ctx.params.get(name)!.data.forEach((value, i) => entries.push({ tensor: name, index: i, value, rate: d[i] }));
        for (const lin of lins) {
          const W = ctx.params.get(lin.weight)!;
          for (let o = 0; o < lin.outFeatures; o++) for (let i = 0; i < width; i++) {
            const index = linearWeightIndex(lin, o, i);
            entries.push({ tensor: lin.weight, index, value: W.data[index], rate: -d[i] });
          }
        }
        // the moved entries by their non-zeros (γ, β and the readers' columns), not whole tensors
        const runs = entryRuns(entries.map((e) => e.tensor), entries.map((e) => e.index));
        const orbit = (t: number): FisherQuery => {
          let built: { delta: TensorPatch; tangent: TensorPatch } | null = null;
          const build = () => {
            let sq = 0;
            for (const e of entries) sq += (e.rate * e.value * Math.exp(t * e.rate)) ** 2;
            const k = sq > 0 ? 1 / Math.sqrt(sq) : 1;
            return {
              delta: sparsePatch(ctx.params, [{ idx: runs, values: entries.map((e) => e.value * Math.expm1(t * e.rate)) }]),
              tangent: sparsePatch(ctx.params, [{ idx: runs, values: entries.map((e) => e.rate * e.value * Math.exp(t * e.rate) * k) }]),
            };
          };
          return {
            get delta() { return (built ??= build()).delta; },
            get tangent() { return (built ??= build()).tangent; },
          };
        };
        out.push({
          id: `${id}:${op.layer}`, detector: id, layer: op.layer, unit: null,
          tensors: [...new Set([...scaled, ...lins.map((l) => l.weight)])], direction: () => orbit(0).tangent,
          predictedK: null, gauge: true, orbit,
        });
      }
      return out;
    },
  };
}

export const lnRescaling = rescaling('layernorm');
export const rmsRescaling = rescaling('rmsnorm');
