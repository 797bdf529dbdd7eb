/**
 * Hidden units: a producer op (linear, conv or LayerNorm) whose output features/channels pass
 * unit-wise (activation, BatchNorm, max-pool, flatten) into a consumer (linear or conv).
 * Node death, inactive units, ReLU rescaling and axis-alignment all index the same units.
 */
import { shapeTrace, size, type Activation, type ModelGraph, type Op } from '../model/graph.ts';
import { activationOrder } from '../engine/cpu/activations.ts';

export interface UnitLayer {
  /** op index of the producer */
  producer: number;
  /** op index of the consumer */
  consumer: number;
  /** op index of the first activation between them (its input is the pre-activation), or −1 */
  activationAt: number;
  activations: Activation[];
  /** ops strictly between producer and consumer */
  between: Op['kind'][];
  layer: string;
  units: number;
  /** features per unit at the producer output (1 for vectors, H·W for channels) */
  plane: number;
  /** the consumer-input feature indices of unit u: u·consumerPlane … (u+1)·consumerPlane − 1 */
  consumerPlane: number;
  /** φ(z) ~ z^p near 0, multiplied over the activations on the way */
  order: number;
}

const UNITWISE = new Set<Op['kind']>(['activation', 'batchnorm', 'maxpool', 'flatten']);

export function unitLayers(model: ModelGraph): UnitLayer[] {
  const shapes = shapeTrace(model);
  const out: UnitLayer[] = [];
  model.ops.forEach((op, i) => {
    if (op.kind !== 'linear' && op.kind !== 'conv2d' && op.kind !== 'layernorm') return;
    let j = i + 1;
    const between: Op['kind'][] = [];
    const acts: Activation[] = [];
    let activationAt = -1;
    while (j < model.ops.length && UNITWISE.has(model.ops[j].kind)) {
      const o = model.ops[j];
      between.push(o.kind);
      if (o.kind === 'activation') {
        acts.push(o.fn);
        if (activationAt < 0) activationAt = j;
      }
      j++;
    }
    const consumer = model.ops[j];
    if (!consumer || (consumer.kind !== 'linear' && consumer.kind !== 'conv2d')) return;
    // without a nonlinearity the "unit" is a bilinear factor: only meaningful for identity nets
    if (!acts.length && model.activation !== 'identity') return;
    const outShape = shapes[i + 1];
    const units = outShape[0];
    out.push({
      producer: i, consumer: j, activationAt, activations: acts, between, layer: op.layer, units,
      plane: size(outShape) / units,
      consumerPlane: consumer.kind === 'linear' ? consumer.inFeatures / units : 1,
      order: acts.reduce((p, a) => p * activationOrder(a), 1),
    });
  });
  return out;
}
