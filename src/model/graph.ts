/**
 * The graph IR: a straight chain of ops over per-sample tensors.
 * Shapes are per sample (no batch axis): [features] for dense data, [C, H, W] for images.
 * Weight layouts follow PyTorch: linear [out, in], conv2d [outC, inC, kh, kw].
 */
export type Activation = 'relu' | 'relu2' | 'gelu' | 'gelu_tanh' | 'tanh' | 'silu' | 'identity';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'relu2', 'gelu', 'gelu_tanh', 'tanh', 'silu', 'identity'];

export interface LinearOp {
  kind: 'linear';
  /** tensor-name prefix of the layer, e.g. `0` for `0.weight` */
  layer: string;
  weight: string;
  bias: string | null;
  inFeatures: number;
  outFeatures: number;
}
export interface Conv2dOp {
  kind: 'conv2d';
  layer: string;
  weight: string;
  bias: string | null;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}
export interface MaxPoolOp { kind: 'maxpool'; kernel: number; stride: number }
export interface BatchNormOp {
  kind: 'batchnorm';
  layer: string;
  weight: string | null;
  bias: string | null;
  runningMean: string;
  runningVar: string;
  eps: number;
}
export interface LayerNormOp {
  kind: 'layernorm';
  layer: string;
  weight: string | null;
  bias: string | null;
  eps: number;
}
export interface ActivationOp { kind: 'activation'; fn: Activation }
export interface FlattenOp { kind: 'flatten' }

export type Op = LinearOp | Conv2dOp | MaxPoolOp | BatchNormOp | LayerNormOp | ActivationOp | FlattenOp;

export interface ModelGraph {
  /** per-sample input shape, e.g. [784] or [1, 28, 28] */
  inputShape: number[];
  ops: Op[];
  outputWidth: number;
  /** the hidden activation chosen, and where that choice came from */
  activation: Activation;
  activationSource: 'metadata' | 'setting' | 'arch' | 'default';
  /** human-readable notes the user should see (e.g. "activation defaulted to ReLU") */
  warnings: string[];
}

/** Ops that own parameters. */
export type ParamOp = LinearOp | Conv2dOp | BatchNormOp | LayerNormOp;
export function isParamOp(op: Op): op is ParamOp {
  return op.kind === 'linear' || op.kind === 'conv2d' || op.kind === 'batchnorm' || op.kind === 'layernorm';
}

/** Names of the tensors an op reads (parameters and buffers). */
export function opTensors(op: Op): string[] {
  switch (op.kind) {
    case 'linear':
    case 'conv2d':
      return [op.weight, ...(op.bias ? [op.bias] : [])];
    case 'batchnorm':
      return [op.weight, op.bias, op.runningMean, op.runningVar].filter((n): n is string => n !== null);
    case 'layernorm':
      return [op.weight, op.bias].filter((n): n is string => n !== null);
    default:
      return [];
  }
}

/** Per-sample shape after an op, given its input shape. */
export function outputShape(op: Op, input: number[]): number[] {
  switch (op.kind) {
    case 'linear':
      return [op.outFeatures];
    case 'conv2d': {
      const [, h, w] = input;
      return [
        op.outChannels,
        Math.floor((h + 2 * op.padding[0] - op.kernel[0]) / op.stride[0]) + 1,
        Math.floor((w + 2 * op.padding[1] - op.kernel[1]) / op.stride[1]) + 1,
      ];
    }
    case 'maxpool': {
      const [c, h, w] = input;
      return [c, Math.floor((h - op.kernel) / op.stride) + 1, Math.floor((w - op.kernel) / op.stride) + 1];
    }
    case 'flatten':
      return [input.reduce((a, b) => a * b, 1)];
    default:
      return input.slice();
  }
}

/** shapes[i] is the per-sample input shape of op i; shapes[ops.length] is the output shape. */
export function shapeTrace(graph: Pick<ModelGraph, 'inputShape' | 'ops'>): number[][] {
  const shapes = [graph.inputShape.slice()];
  for (const op of graph.ops) shapes.push(outputShape(op, shapes[shapes.length - 1]));
  return shapes;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
