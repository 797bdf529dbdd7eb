/** Small graphs and parameter sets for engine tests, built in code (seeded). */
import type { ModelGraph, Op } from '../../src/model/graph.ts';
import { chainGraph, valueShapes } from '../../src/model/graph.ts';
import { definitionOf } from '../../src/ops/definitions.ts';
import type { TensorRole } from '../../src/ops/types.ts';
import type { ParamSet, ProbeSet, TensorPatch } from '../../src/engine/types.ts';
import { createRng, type Rng } from '../../src/math/random.ts';

export function graph(inputShape: number[], ops: Op[]): ModelGraph {
  return chainGraph(inputShape, ops);
}

/** Random parameters of the right sizes for every tensor the graph reads (scales near 1, variances positive). */
export function randomParams(g: ModelGraph, rng: Rng, scale = 0.5): ParamSet {
  const p: ParamSet = new Map();
  const shapes = valueShapes(g);
  const draw: Record<TensorRole, () => number> = {
    weight: () => scale * rng.normal(),
    bias: () => scale * rng.normal(),
    shift: () => scale * rng.normal(),
    mean: () => scale * rng.normal(),
    scale: () => 1 + scale * rng.normal(),
    variance: () => 0.5 + rng.next(),
  };
  for (const node of g.nodes) {
    for (const t of definitionOf(node.op).tensorSpecs(node.op, node.inputs.map((v) => shapes[v]))) {
      if (p.has(t.name)) continue;
      const n = t.shape.reduce((a, b) => a * b, 1);
      p.set(t.name, { shape: t.shape, data: Float64Array.from({ length: n }, draw[t.role]) });
    }
  }
  return p;
}

export function randomProbe(g: ModelGraph, n: number, rng: Rng): ProbeSet {
  const f = g.inputShape.reduce((a, b) => a * b, 1);
  if (g.inputType === 'token') {
    // ids below the smallest vocabulary reading the input
    const vocab = Math.min(...g.nodes.flatMap((nd) => (nd.op.kind === 'embedding' && nd.inputs.includes(0) ? [nd.op.vocab] : [])));
    return { count: n, shape: g.inputShape, data: Float64Array.from({ length: n * f }, () => Math.floor(rng.next() * vocab)) };
  }
  return { count: n, shape: g.inputShape, data: Float64Array.from({ length: n * f }, () => rng.normal()) };
}

/** A random patch over the given tensors (not normalised). */
export function randomPatch(p: ParamSet, names: string[], rng: Rng): TensorPatch {
  return new Map(names.map((n) => [n, Float64Array.from({ length: p.get(n)!.data.length }, () => rng.normal())]));
}

export { createRng };
