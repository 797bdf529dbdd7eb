/**
 * Softmax shift gauges (METHOD §4): a softmax is unchanged when the same amount is added to all
 * of its logits, so these additive directions are exact (their path is the straight line):
 *  - the logits of a classification head: ΔW_U = 1 uᵀ, Δb_U = c·1 on the linear map producing
 *    them (through `take`), adding u·h + c to every logit; on a tied unembedding only the bias
 *    (its weight moves the embedding too);
 *  - a key bias: Δb_K^g adds q_h·Δb_K^g to every score of query position t of each head h of the
 *    group, the same for every key, erased by the softmax over keys (causal mask included).
 *    Rotary rotates the bias with the key's position, so only features rotary leaves alone.
 */
import { consumersOf, producerOf, type LinearOp } from '../model/graph.ts';
import { readsLogits, type TensorPatch } from '../engine/types.ts';
import { randomUnitVector } from '../math/random.ts';
import type { Candidate, ImmediateDetector, DetectorContext } from './types.ts';
import { normalizePatch } from './types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { attentionWirings, headsOfGroup, ownsTensors, tensorUses } from './wiring.ts';
import { elementsOf } from '../format/held-tensor.ts';

/**
 * The linear map whose output reaches the logits through `take` only (each value read once), and
 * whether the logits are one softmax per input (a `take` picked one position, or the map is not
 * positionwise): only then may the shift u·h differ between inputs.
 */
function logitMap(ctx: DetectorContext): { lin: LinearOp; perInput: boolean } | null {
  const readers = consumersOf(ctx.model);
  let v = ctx.model.output;
  let took = false;
  for (;;) {
    const p = producerOf(ctx.model, v);
    if (!p) return null;
    if (p.op.kind === 'linear') return { lin: p.op, perInput: took || !p.op.positionwise };
    if (p.op.kind !== 'take' || readers.get(p.inputs[0])?.length !== 1) return null;
    took = true;
    v = p.inputs[0];
  }
}

export const softmaxShift: ImmediateDetector = {
  id: 'softmax-shift',
  summary: 'softmax shift: the same amount added to every logit (unembedding 1uᵀ and bias) or to every attention score of a query (key bias)',
  detect(ctx) {
    const out: Candidate[] = [];
    const uses = tensorUses(ctx.model);
    const logits = readsLogits(ctx.head) ? logitMap(ctx) : null;
    if (logits) {
      const { lin, perInput } = logits;
      const tied = !ownsTensors(uses, lin);
      const p: TensorPatch = new Map();
      if (!tied && perInput) {
        const u = randomUnitVector(lin.inFeatures + (lin.bias ? 1 : 0), ctx.rng);
        const W = new Float64Array(lin.outFeatures * lin.inFeatures);
        for (let o = 0; o < lin.outFeatures; o++) for (let i = 0; i < lin.inFeatures; i++) W[linearWeightIndex(lin, o, i)] = u[i];
        p.set(lin.weight, W);
        if (lin.bias) p.set(lin.bias, new Float64Array(lin.outFeatures).fill(u[lin.inFeatures]));
      } else if (lin.bias && uses.get(lin.bias) === 1) {
        p.set(lin.bias, new Float64Array(lin.outFeatures).fill(1));
      }
      const only = tied ? 'the unembedding is tied: its bias only' : !perInput ? 'logits at every position: the bias only (u·h differs between positions)' : undefined;
      if (p.size) out.push(shiftCandidate(`softmax-shift:${lin.layer}`, lin.layer, normalizePatch(p), only));
    }
    for (const w of attentionWirings(ctx.model)) {
      const { op } = w;
      const dh = op.headDim;
      const from = op.rotary ? op.rotary.dims : 0;
      if (from >= dh) continue;
      for (let g = 0; g < op.kvHeads; g++) {
        const k = w.k?.at(g * dh, dh);
        if (!k?.op.bias) continue;
        const u = randomUnitVector(dh - from, ctx.rng);
        const b = new Float64Array(elementsOf(ctx.params.get(k.op.bias)!));
        for (let j = from; j < dh; j++) b[k.offset + g * dh + j] = u[j - from];
        // every direction of the key bias alone is such a shift (without rotary), so the live
        // reference is taken over the key map, weight and bias (METHOD notes)
        out.push(shiftCandidate(`softmax-shift:${op.layer}:${g}`, op.layer, new Map([[k.op.bias, b]]),
          `key bias of group ${g} (query heads ${headsOfGroup(op, g).join(', ')})`, [k.op.weight, k.op.bias], g));
      }
    }
    return out;
  },
};

function shiftCandidate(id: string, layer: string, direction: TensorPatch, note?: string, block: string[] = [...direction.keys()], head?: number): Candidate {
  return {
    id, detector: 'softmax-shift', layer, unit: null, ...(head !== undefined ? { head } : {}), tensors: block, direction: () => direction,
    predictedK: null, gauge: true, ...(note ? { note } : {}),
  };
}
