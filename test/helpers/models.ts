/** Small graphs and parameter sets for engine tests, built in code (seeded). */
import type { ModelGraph, Op } from '../../src/model/graph.ts';
import { shapeTrace } from '../../src/model/graph.ts';
import type { ParamSet, ProbeSet, TensorPatch } from '../../src/engine/types.ts';
import { createRng, type Rng } from '../../src/math/random.ts';

export function graph(inputShape: number[], ops: Op[]): ModelGraph {
  const shapes = shapeTrace({ inputShape, ops });
  const out = shapes[shapes.length - 1];
  return { inputShape, ops, outputWidth: out.reduce((a, b) => a * b, 1), activation: 'relu', activationSource: 'setting', warnings: [] };
}

/** Random parameters of the right sizes for every tensor the graph reads (variances positive). */
export function randomParams(g: ModelGraph, rng: Rng, scale = 0.5): ParamSet {
  const p: ParamSet = new Map();
  const shapes = shapeTrace(g);
  g.ops.forEach((op, i) => {
    const set = (name: string | null, shape: number[], f: () => number) => {
      if (!name) return;
      const n = shape.reduce((a, b) => a * b, 1);
      p.set(name, { shape, data: Float64Array.from({ length: n }, f) });
    };
    const normal = () => scale * rng.normal();
    switch (op.kind) {
      case 'linear':
        set(op.weight, [op.outFeatures, op.inFeatures], normal);
        set(op.bias, [op.outFeatures], normal);
        break;
      case 'conv2d':
        set(op.weight, [op.outChannels, op.inChannels, ...op.kernel], normal);
        set(op.bias, [op.outChannels], normal);
        break;
      case 'batchnorm': {
        const c = shapes[i][0];
        set(op.weight, [c], () => 1 + normal());
        set(op.bias, [c], normal);
        set(op.runningMean, [c], normal);
        set(op.runningVar, [c], () => 0.5 + rng.next());
        break;
      }
      case 'layernorm': {
        const f = shapes[i][shapes[i].length - 1];
        set(op.weight, [f], () => 1 + normal());
        set(op.bias, [f], normal);
        break;
      }
      default:
    }
  });
  return p;
}

export function randomProbe(g: ModelGraph, n: number, rng: Rng): ProbeSet {
  const f = g.inputShape.reduce((a, b) => a * b, 1);
  return { count: n, shape: g.inputShape, data: Float64Array.from({ length: n * f }, () => rng.normal()) };
}

/** A random patch over the given tensors (not normalised). */
export function randomPatch(p: ParamSet, names: string[], rng: Rng): TensorPatch {
  return new Map(names.map((n) => [n, Float64Array.from({ length: p.get(n)!.data.length }, () => rng.normal())]));
}

export { createRng };
