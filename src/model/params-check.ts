/**
 * Whether a parameter set holds every tensor a graph reads, with at least the elements each op
 * needs (a learned position table may hold more positions than the probe's sequence uses; fewer
 * would make a GPU kernel read its neighbour's values). Both engines ask in `prepare`.
 */
import { valueShapes, size, type ModelGraph } from './graph.ts';
import { definitionOf } from '../ops/definitions.ts';
import type { ParamSet } from '../engine/types.ts';

/** The first tensor that is missing or too small for its op, as a plain message; null when all fit. */
export function paramsError(graph: Pick<ModelGraph, 'inputShape' | 'nodes'>, params: ParamSet): string | null {
  const shapes = valueShapes(graph);
  for (const node of graph.nodes) {
    const def = definitionOf(node.op);
    for (const spec of def.tensorSpecs(node.op, node.inputs.map((v) => shapes[v]))) {
      const t = params.get(spec.name);
      if (!t) return `missing tensor ${spec.name}`;
      const have = size(t.shape), need = size(spec.shape);
      if (have < need) {
        const { kind, name } = def.label(node.op);
        return `tensor ${spec.name} [${t.shape}] holds ${have} values; ${kind}${name ? ` ${name}` : ''} needs ${need} ([${spec.shape}]) for input [${node.inputs.map((v) => shapes[v]).join('], [')}]`;
      }
    }
  }
  return null;
}
