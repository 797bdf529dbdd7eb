/**
 * Node death of a gated MLP unit (SwiGLU/GeGLU: down(φ(gate·x) ⊙ up·x)), METHOD §4: for unit j,
 * v = (ΔW_gate[j,:], ΔW_up[j,:], ΔW_down[:,j]) = (α_g, α_u, β)/√3, each part the unit's own row or
 * column (bias appended) normalised, a seeded random unit vector when exactly zero. At a unit whose
 * three parts are all zero Δf = t·β·φ(t·α_g·x)·(t·α_u·x) ~ t^{1+p+1}: predicted k = 2 + p
 * (k = 3 for SiLU and GELU, p = 1).
 */
import { consumersOf, producerOf, type LinearOp, type ModelGraph } from '../model/graph.ts';
import { activationOrder } from '../ops/activation/functions.ts';
import { randomUnitVector } from '../math/random.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import type { ParamSet, TensorPatch } from '../engine/types.ts';
import type { Candidate, Detector } from './types.ts';

interface GatedUnits { gate: LinearOp; up: LinearOp; down: LinearOp; order: number }

/** Every product node reading (activation ∘ linear, linear) and read by one linear map alone. */
export function gatedUnits(model: ModelGraph): GatedUnits[] {
  const readers = consumersOf(model);
  const out: GatedUnits[] = [];
  for (const node of model.nodes) {
    if (node.op.kind !== 'mul') continue;
    const [a, b] = node.inputs.map((v) => producerOf(model, v));
    const pick = (act: typeof a, lin: typeof b): GatedUnits | null => {
      if (act?.op.kind !== 'activation' || lin?.op.kind !== 'linear') return null;
      const gate = producerOf(model, act.inputs[0]);
      const next = readers.get(node.id);
      if (gate?.op.kind !== 'linear' || next?.length !== 1 || next[0].op.kind !== 'linear' || node.id === model.output) return null;
      if ((readers.get(gate.id)?.length ?? 0) !== 1 || (readers.get(act.id)?.length ?? 0) !== 1 || (readers.get(lin.id)?.length ?? 0) !== 1) return null;
      return { gate: gate.op, up: lin.op, down: next[0].op, order: activationOrder(act.op.fn) };
    };
    const g = pick(a, b) ?? pick(b, a);
    if (g && g.gate.outFeatures === g.up.outFeatures && g.down.inFeatures === g.up.outFeatures) out.push(g);
  }
  return out;
}

type Indices = [string, number[]][];

function rowOf(op: LinearOp, u: number): Indices {
  const idx: Indices = [[op.weight, Array.from({ length: op.inFeatures }, (_, k) => linearWeightIndex(op, u, k))]];
  if (op.bias) idx.push([op.bias, [u]]);
  return idx;
}

function columnOf(op: LinearOp, u: number): Indices {
  return [[op.weight, Array.from({ length: op.outFeatures }, (_, o) => linearWeightIndex(op, o, u))]];
}

function unitPart(params: ParamSet, idx: Indices, rng: Parameters<typeof randomUnitVector>[1]): Float64Array {
  const v = Float64Array.from(idx.flatMap(([n, is]) => is.map((i) => params.get(n)!.data[i])));
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : randomUnitVector(v.length, rng);
}

export const gluUnit: Detector = {
  id: 'glu-unit',
  summary: 'every gated MLP unit (SwiGLU/GeGLU): its gate row, up row and down column together',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const g of gatedUnits(ctx.model)) {
      for (let u = 0; u < g.up.outFeatures; u++) {
        const parts = [rowOf(g.gate, u), rowOf(g.up, u), columnOf(g.down, u)];
        const values = parts.map((idx) => unitPart(ctx.params, idx, ctx.rng));
        const direction = (): TensorPatch => {
          const p: TensorPatch = new Map();
          parts.forEach((idx, k) => {
            let at = 0;
            for (const [n, is] of idx) {
              let a = p.get(n);
              if (!a) p.set(n, (a = new Float64Array(ctx.params.get(n)!.data.length)));
              for (const i of is) a[i] += values[k][at++] / Math.sqrt(3);
            }
          });
          return p;
        };
        out.push({
          id: `glu-unit:${g.gate.layer}:${u}`, detector: 'glu-unit', layer: g.gate.layer, unit: u,
          tensors: [...new Set(parts.flat().map(([n]) => n))], direction, predictedK: 2 + g.order, gauge: false,
        });
      }
    }
    return out;
  },
};
