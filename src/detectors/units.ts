/**
 * Hidden units: a producer op (linear, conv or LayerNorm) whose output features/channels pass
 * unit-wise (activation, BatchNorm, max-pool, flatten) into a consumer (linear or conv).
 * Node death, inactive units, ReLU rescaling and axis-alignment all index the same units.
 * A position-wise linear map ([T, in] → [T, out], a transformer MLP) has its units on the last
 * axis: unit u is feature u at every position, read by a position-wise consumer's column u.
 */
import { consumersOf, valueShapes, size, type Activation, type ModelGraph, type Op, type ValueId } from '../model/graph.ts';
import { DEFINITIONS } from '../ops/definitions.ts';
import { activationOrder } from '../ops/activation/functions.ts';
import { gatedUnits } from './glu-unit.ts';

export interface UnitLayer {
  /** node index of the producer */
  producer: number;
  /** node index of the consumer */
  consumer: number;
  /** node index of the first activation between them (its input is the pre-activation), or −1 */
  activationAt: number;
  /** the value the first activation reads (the pre-activation), or −1 */
  preActivation: ValueId;
  /** the value the consumer reads */
  consumerInput: ValueId;
  activations: Activation[];
  /** ops strictly between producer and consumer */
  between: Op['kind'][];
  layer: string;
  units: number;
  /** features per unit at the producer output (1 for vectors, H·W for channels, T for positions) */
  plane: number;
  /** units on the last axis of [T, units] (a position-wise map), not unit-major planes */
  positionwise: boolean;
  /** the consumer-input feature indices of unit u: u·consumerPlane … (u+1)·consumerPlane − 1 */
  consumerPlane: number;
  /** φ(z) ~ z^p near 0, multiplied over the activations on the way */
  order: number;
}

/**
 * Walks from each producer through ops that act unit-wise, as long as each value has a single
 * reader (a unit whose output also feeds a residual stream is not a unit of one consumer).
 */
export function unitLayers(model: ModelGraph): UnitLayer[] {
  const shapes = valueShapes(model);
  const readers = consumersOf(model);
  const indexOf = new Map(model.nodes.map((n, i) => [n, i]));
  const out: UnitLayer[] = [];
  model.nodes.forEach((node, i) => {
    const op = node.op;
    if (op.kind !== 'linear' && op.kind !== 'conv2d' && op.kind !== 'layernorm') return;
    const positionwise = op.kind === 'linear' && op.positionwise === true;
    const between: Op['kind'][] = [];
    const acts: Activation[] = [];
    let activationAt = -1;
    let preActivation: ValueId = -1;
    let v = node.id;
    let next = readers.get(v);
    while (next && next.length === 1 && DEFINITIONS[next[0].op.kind].unitwise) {
      const o = next[0].op;
      between.push(o.kind);
      if (o.kind === 'activation') {
        acts.push(o.fn);
        if (activationAt < 0) {
          activationAt = indexOf.get(next[0])!;
          preActivation = v;
        }
      }
      v = next[0].id;
      next = readers.get(v);
    }
    if (!next || next.length !== 1 || v === model.output) return;
    const consumerNode = next[0];
    const consumer = consumerNode.op;
    if (consumer.kind !== 'linear' && consumer.kind !== 'conv2d') return;
    // a position-wise unit is read column by column only by a position-wise map
    if ((consumer.kind === 'linear' && consumer.positionwise === true) !== positionwise) return;
    // without a nonlinearity the "unit" is a bilinear factor: only meaningful for identity nets
    if (!acts.length && model.activation !== 'identity') return;
    const outShape = shapes[node.id];
    const units = positionwise ? outShape[outShape.length - 1] : outShape[0];
    out.push({
      producer: i, consumer: indexOf.get(consumerNode)!, activationAt, preActivation, consumerInput: v, activations: acts, between, layer: op.layer, units,
      plane: size(outShape) / units,
      positionwise,
      consumerPlane: positionwise ? 1 : consumer.kind === 'linear' ? consumer.inFeatures / units : 1,
      order: acts.reduce((p, a) => p * activationOrder(a), 1),
    });
  });
  return out;
}

/**
 * A layer of hidden units whose activations a consumer reads (METHOD §5's neurons): every unit
 * layer, and every gated MLP (SwiGLU/GeGLU), whose unit j is feature j of the product
 * φ(gate·x) ⊙ up·x the down map reads (the `glu-unit` detector's units, named by the gate map).
 */
export interface ActivationLayer {
  layer: string;
  units: number;
  /** the value the consumer reads, its units on the last axis (positionwise) or unit-major planes */
  consumerInput: ValueId;
  positionwise: boolean;
  /** the unit layer, null for a gated MLP */
  unitLayer: UnitLayer | null;
}

export function activationLayers(model: ModelGraph): ActivationLayer[] {
  const plain = unitLayers(model).map((L) => ({ layer: L.layer, units: L.units, consumerInput: L.consumerInput, positionwise: L.positionwise, unitLayer: L }));
  // the product's last axis holds the units ([T, width] or [width]): unit j is feature t·width + j
  const gated = gatedUnits(model).map((g) => ({ layer: g.gate.op.layer, units: g.width, consumerInput: g.product, positionwise: true, unitLayer: null }));
  return [...plain, ...gated];
}

/**
 * Index of unit u's p-th feature in a value of `plane` features per unit between producer and
 * consumer: unit-major planes for channels (a pool may shrink them), unit-minor for positions.
 */
export function unitFeature(L: Pick<UnitLayer, 'positionwise' | 'units'>, u: number, p: number, plane: number): number {
  return L.positionwise ? p * L.units + u : u * plane + p;
}

/**
 * The activation-side factor of a unit layer in unit coordinates (METHOD §5): A = E[h hᵀ] over the
 * unit activations the consumer reads, per position for channels (a channel's `plane` features)
 * and for sequences (a position-wise unit at every position).
 */
export function unitActivationCovariance(model: ModelGraph, values: Float64Array[], count: number, L: Pick<UnitLayer, 'consumerInput' | 'units' | 'positionwise'>): Float64Array {
  const h = values[L.consumerInput];
  const F = size(valueShapes(model)[L.consumerInput]);
  const d = L.units;
  const plane = F / d;
  const A = new Float64Array(d * d);
  // a row's non-zero activations only (ReLU outputs are mostly 0): a zero term leaves a sum
  // unchanged, so A is the full sum to the bit
  const nzAt = new Int32Array(d);
  const nzValue = new Float64Array(d);
  for (let s = 0; s < count; s++) for (let p = 0; p < plane; p++) {
    let m = 0;
    for (let i = 0; i < d; i++) {
      const hi = h[s * F + unitFeature(L, i, p, plane)];
      if (hi === 0) continue;
      nzAt[m] = i;
      nzValue[m++] = hi;
    }
    for (let a = 0; a < m; a++) {
      const hi = nzValue[a];
      const row = nzAt[a] * d;
      for (let b = a; b < m; b++) A[row + nzAt[b]] += hi * nzValue[b];
    }
  }
  const n = count * plane;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) A[j * d + i] = A[i * d + j] /= n;
  return A;
}
