/**
 * The inferred graph as an architecture JSON (README "Architecture JSON", read by
 * `architectureFromJson`): the explorer's layer-kind overrides edit this and hand it to the
 * reader as the `arch` file, exactly as `--arch` does on the command line.
 */
import type { Activation, ModelGraph } from '../model/graph.ts';
import { definitionOf } from '../ops/definitions.ts';
import type { ArchLayer } from '../ops/types.ts';

export type { ArchLayer };

export interface ArchJson { inputShape: number[]; activation: Activation; layers: ArchLayer[] }

/** Each node's layer; `inputs` only where a node does not read its predecessor. */
export function graphToArch(g: Pick<ModelGraph, 'inputShape' | 'nodes' | 'activation'>): ArchJson {
  const layers = g.nodes.map((n, i) => {
    const layer = definitionOf(n.op).toArch(n.op);
    const chained = n.inputs.length === 1 && n.inputs[0] === i;
    return chained ? layer : { ...layer, inputs: n.inputs.slice() };
  });
  return { inputShape: g.inputShape.slice(), activation: g.activation, layers };
}

/** The same graph with the activation of op `index` replaced. */
export function withSlotActivation(g: Pick<ModelGraph, 'inputShape' | 'nodes' | 'activation'>, index: number, fn: Activation): ArchJson {
  const a = graphToArch(g);
  const l = a.layers[index];
  if (!l || l.op !== 'activation') throw new Error(`op ${index} is not an activation`);
  a.layers[index] = { ...l, fn };
  return a;
}

/**
 * A starting point when no architecture could be inferred: one layer per weight prefix, in file
 * order (linear for 2-D weights, conv2d for 4-D, batchnorm / layernorm for 1-D), an activation
 * after every linear or conv but the last. The reader checks it; the user edits it.
 */
export function archTemplate(tensors: Array<{ name: string; shape: number[] }>): ArchJson {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const layers: ArchLayer[] = [];
  let inputShape: number[] = [1];
  for (const t of tensors) {
    if (!t.name.endsWith('.weight') && t.name !== 'weight') continue;
    const prefix = t.name === 'weight' ? '' : t.name.slice(0, -'.weight'.length);
    if (t.shape.length === 2) {
      if (!layers.length) inputShape = [t.shape[1]];
      layers.push({ op: 'linear', prefix }, { op: 'activation' });
    } else if (t.shape.length === 4) {
      if (!layers.length) inputShape = [t.shape[1], 28, 28];
      layers.push({ op: 'conv2d', prefix, stride: 1, padding: 0 }, { op: 'activation' });
    } else if (t.shape.length === 1) {
      layers.push(byName.has(`${prefix}.running_mean`) ? { op: 'batchnorm', prefix, eps: 1e-5 } : { op: 'layernorm', prefix, eps: 1e-5 });
    }
  }
  while (layers.length && layers[layers.length - 1].op === 'activation') layers.pop();
  return { inputShape, activation: 'relu', layers };
}

/** JSON with one layer a line (reads best when edited by hand). */
export function formatArch(a: ArchJson): string {
  const layers = a.layers.map((l) => `    ${JSON.stringify(l)}`).join(',\n');
  return `{\n  "inputShape": ${JSON.stringify(a.inputShape)},\n  "activation": ${JSON.stringify(a.activation)},\n  "layers": [\n${layers}\n  ]\n}\n`;
}

export function archBlob(a: ArchJson | string): Blob {
  return new Blob([typeof a === 'string' ? a : formatArch(a)], { type: 'application/json' });
}

export const EDITED_ARCH_NAME = 'architecture (edited here)';
