/**
 * Node death of a gated MLP unit (SwiGLU/GeGLU: down(φ(gate·x) ⊙ up·x)), METHOD §4: for unit j,
 * v = (ΔW_gate[j,:], ΔW_up[j,:], ΔW_down[:,j]) = (α_g, α_u, β)/√3, each part the unit's own row or
 * column (bias appended) normalised, a seeded random unit vector when exactly zero. At a unit whose
 * three parts are all zero Δf = t·β·φ(t·α_g·x)·(t·α_u·x) ~ t^{1+p+1}: predicted k = 2 + p
 * (k = 3 for SiLU and GELU, p = 1). A fused gate_up map (Phi-3) gives the gate and up rows of unit j
 * as its rows j and width + j (the graph's two slices).
 */
import { consumersOf, producerOf, type GraphNode, type LinearOp, type ModelGraph, type ValueId } from '../model/graph.ts';
import { activationOrder } from '../ops/activation/functions.ts';
import { randomUnitVector } from '../math/random.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import type { ParamSet, TensorPatch } from '../engine/types.ts';
import type { Candidate, ImmediateDetector } from './types.ts';
import { elementsOf } from '../format/held-tensor.ts';

/** Rows [offset, offset + width) of a linear map: a whole map, or one half of a fused gate_up. */
interface Rows { op: LinearOp; offset: number }
/** `product`: the value φ(gate) ⊙ up the down map reads, its last axis the units */
interface GatedUnits { gate: Rows; up: Rows; down: LinearOp; width: number; order: number; product: ValueId }

/**
 * The rows of a linear map behind value v (read by `reader` alone): the map's output, or a slice
 * of it whose map every other reader slices elsewhere (Phi-3's fused `gate_up_proj`, chunked).
 */
function rowsBehind(model: ModelGraph, readers: Map<ValueId, GraphNode[]>, v: ValueId): Rows | null {
  if ((readers.get(v)?.length ?? 0) !== 1) return null;
  const p = producerOf(model, v);
  if (p?.op.kind === 'linear') return { op: p.op, offset: 0 };
  if (p?.op.kind !== 'slice') return null;
  const src = producerOf(model, p.inputs[0]);
  if (src?.op.kind !== 'linear') return null;
  const { start, length } = p.op;
  const others = (readers.get(src.id) ?? []).filter((o) => o !== p);
  if (others.some((o) => o.op.kind !== 'slice' || (o.op.start < start + length && start < o.op.start + o.op.length))) return null;
  return { op: src.op, offset: start };
}

/** Every product node reading (activation ∘ gate rows, up rows) and read by one linear map alone. */
export function gatedUnits(model: ModelGraph): GatedUnits[] {
  const readers = consumersOf(model);
  const out: GatedUnits[] = [];
  for (const node of model.nodes) {
    if (node.op.kind !== 'mul') continue;
    const [a, b] = node.inputs;
    const pick = (actValue: ValueId, upValue: ValueId): GatedUnits | null => {
      const act = producerOf(model, actValue);
      if (act?.op.kind !== 'activation' || (readers.get(actValue)?.length ?? 0) !== 1) return null;
      const gate = rowsBehind(model, readers, act.inputs[0]);
      const up = rowsBehind(model, readers, upValue);
      const next = readers.get(node.id);
      if (!gate || !up || next?.length !== 1 || next[0].op.kind !== 'linear' || node.id === model.output) return null;
      const width = next[0].op.inFeatures;
      return { gate, up, down: next[0].op, width, order: activationOrder(act.op.fn), product: node.id };
    };
    const g = pick(a, b) ?? pick(b, a);
    const rowsFit = (r: Rows | undefined) => !!r && r.offset + (g?.width ?? 0) <= r.op.outFeatures;
    if (g && rowsFit(g.gate) && rowsFit(g.up) && (g.gate.op !== g.up.op || g.gate.offset !== g.up.offset)) out.push(g);
  }
  return out;
}

type Indices = [string, number[]][];

function rowOf({ op, offset }: Rows, u: number): Indices {
  const idx: Indices = [[op.weight, Array.from({ length: op.inFeatures }, (_, k) => linearWeightIndex(op, offset + u, k))]];
  if (op.bias) idx.push([op.bias, [offset + u]]);
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

export const gluUnit: ImmediateDetector = {
  id: 'glu-unit',
  summary: 'every gated MLP unit (SwiGLU/GeGLU): its gate row, up row and down column together',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const g of gatedUnits(ctx.model)) {
      for (let u = 0; u < g.width; u++) {
        const parts = [rowOf(g.gate, u), rowOf(g.up, u), columnOf(g.down, u)];
        const values = parts.map((idx) => unitPart(ctx.params, idx, ctx.rng));
        const direction = (): TensorPatch => {
          const p: TensorPatch = new Map();
          parts.forEach((idx, k) => {
            let at = 0;
            for (const [n, is] of idx) {
              let a = p.get(n);
              if (!a) p.set(n, (a = new Float64Array(elementsOf(ctx.params.get(n)!))));
              for (const i of is) a[i] += values[k][at++] / Math.sqrt(3);
            }
          });
          return p;
        };
        out.push({
          id: `glu-unit:${g.gate.op.layer}:${u}`, detector: 'glu-unit', layer: g.gate.op.layer, unit: u,
          tensors: [...new Set(parts.flat().map(([n]) => n))], direction, predictedK: 2 + g.order, gauge: false,
        });
      }
    }
    return out;
  },
};
