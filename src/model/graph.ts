/**
 * The graph IR. Values are numbered: value 0 is the model input, and every node produces one
 * value, its `id`. A node reads the values listed in `inputs` (a chain is `inputs: [id − 1]`;
 * a residual add reads two; a value may feed several nodes). Nodes are in topological order.
 * Shapes are per sample (no batch axis): [features] for dense data, [C, H, W] for images,
 * [T] for token ids. What each op is lives in src/ops/<kind>/ (see src/ops/README.md).
 */
import { DEFINITIONS, definitionOf } from '../ops/definitions.ts';
import type { Op } from '../ops/ops.ts';
import type { ValueId } from '../ops/types.ts';

export type { Op, LinearOp, Conv2dOp, MaxPoolOp, BatchNormOp, LayerNormOp, ActivationOp, FlattenOp } from '../ops/ops.ts';
export type { Activation } from '../ops/activation/functions.ts';
export { ACTIVATIONS } from '../ops/activation/functions.ts';
export type { ValueId } from '../ops/types.ts';
import type { Activation } from '../ops/activation/functions.ts';

export interface GraphNode<O extends Op = Op> {
  /** the value this node produces */
  id: ValueId;
  op: O;
  /** the values it reads, in the op's argument order */
  inputs: ValueId[];
}

/** The model input (value 0): real features, or integer token ids. */
export type InputType = 'float' | 'token';

export interface ModelGraph {
  /** per-sample shape of value 0, e.g. [784] or [1, 28, 28] */
  inputShape: number[];
  inputType: InputType;
  nodes: GraphNode[];
  /** the value the head reads (the logits) */
  output: ValueId;
  outputWidth: number;
  /**
   * positions the head reads per sample (transformers with positions `all`): the output is
   * [outputPositions, outputWidth / outputPositions] and the Fisher sums the per-position forms; absent = 1
   */
  outputPositions?: number;
  /** the hidden activation chosen, and where that choice came from */
  activation: Activation;
  activationSource: 'metadata' | 'setting' | 'arch' | 'default';
  /** human-readable notes the user should see (e.g. "activation defaulted to ReLU") */
  warnings: string[];
}

export const INPUT: ValueId = 0;

/** Rows of the head's output per sample: each its own softmax / Gaussian (ModelGraph.outputPositions). */
export const headRows = (g: Pick<ModelGraph, 'outputPositions'>): number => g.outputPositions ?? 1;

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The nodes of a straight chain: op i produces value i + 1 from value i. */
export function chainNodes(ops: Op[]): GraphNode[] {
  return ops.map((op, i) => ({ id: i + 1, op, inputs: [i] }));
}

/** A chain graph with its output width computed (tests, block-local reads, inference). */
export function chainGraph(
  inputShape: number[], ops: Op[],
  rest: Pick<ModelGraph, 'activation' | 'activationSource' | 'warnings'> = { activation: 'relu', activationSource: 'setting', warnings: [] },
): ModelGraph {
  const nodes = chainNodes(ops);
  const g = { inputShape, inputType: 'float' as const, nodes, output: nodes.length, outputWidth: 0, ...rest };
  g.outputWidth = size(valueShapes(g)[g.output]);
  return g;
}

/** The ops of the nodes, in order (for descriptions and the read JSON's architecture). */
export const graphOps = (g: Pick<ModelGraph, 'nodes'>): Op[] => g.nodes.map((n) => n.op);

/** Names of the tensors an op reads (parameters and buffers). */
export function opTensors(op: Op): string[] {
  return definitionOf(op).tensors(op);
}

/** Ops that own tensors. */
export const isParamOp = (op: Op): boolean => opTensors(op).length > 0;

/** Per-sample output shape of an op, given its input shapes. */
export function outputShape(op: Op, inputs: number[][]): number[] {
  return definitionOf(op).outputShape(op, inputs);
}

/** shapes[v] is the per-sample shape of value v. */
export function valueShapes(graph: Pick<ModelGraph, 'inputShape' | 'nodes'>): number[][] {
  const shapes: number[][] = [graph.inputShape.slice()];
  for (const n of graph.nodes) shapes[n.id] = outputShape(n.op, n.inputs.map((v) => shapes[v]));
  return shapes;
}

/** consumers[v] = the nodes that read value v (several for a residual stream or Q/K/V). */
export function consumersOf(graph: Pick<ModelGraph, 'nodes'>): Map<ValueId, GraphNode[]> {
  const out = new Map<ValueId, GraphNode[]>();
  for (const n of graph.nodes) for (const v of n.inputs) {
    let list = out.get(v);
    if (!list) out.set(v, (list = []));
    if (!list.includes(n)) list.push(n);
  }
  return out;
}

/** The node producing value v (undefined for the input). */
export function producerOf(graph: Pick<ModelGraph, 'nodes'>, v: ValueId): GraphNode | undefined {
  return graph.nodes.find((n) => n.id === v);
}

/** Whether every node reads exactly its predecessor (the engines' sparse paths assume this locally). */
export function isChain(graph: Pick<ModelGraph, 'nodes' | 'output'>): boolean {
  return graph.nodes.every((n, i) => n.id === i + 1 && n.inputs.length === 1 && n.inputs[0] === i) && graph.output === graph.nodes.length;
}

/** Checks value ids, arities and input shapes; returns the first problem or null. */
export function graphError(graph: Pick<ModelGraph, 'inputShape' | 'nodes' | 'output'>): string | null {
  const shapes: number[][] = [graph.inputShape.slice()];
  for (const [i, n] of graph.nodes.entries()) {
    const def = DEFINITIONS[n.op.kind];
    if (n.inputs.length !== def.arity) return `node ${i} (${n.op.kind}) reads ${n.inputs.length} values, expects ${def.arity}`;
    const missing = n.inputs.find((v) => shapes[v] === undefined);
    if (missing !== undefined) return `node ${i} (${n.op.kind}) reads value ${missing}, which no earlier node produces`;
    if (shapes[n.id] !== undefined) return `value ${n.id} is produced twice`;
    const ins = n.inputs.map((v) => shapes[v]);
    const err = definitionOf(n.op).inputError(n.op, ins);
    if (err) return `node ${i} (${n.op.kind}${'layer' in n.op ? ` ${n.op.layer}` : ''}) ${err}`;
    shapes[n.id] = outputShape(n.op, ins);
  }
  return shapes[graph.output] === undefined ? `output value ${graph.output} is not produced` : null;
}
