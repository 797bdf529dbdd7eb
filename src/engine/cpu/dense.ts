/**
 * The straightforward dense evaluation of a whole graph: value and tangent through every op.
 * It is the reference the sparse engine and the WGSL kernels are checked against, and what
 * `prepare` uses to cache the unperturbed activations.
 */
import { shapeTrace, size, type ModelGraph, type Op } from '../../model/graph.ts';
import type { ParamSet, TensorPatch } from '../types.ts';
import * as ops from './ops.ts';

export interface DenseResult {
  /** activations[i] = input of op i (N × size), activations[ops.length] = output; only when kept */
  activations: Float64Array[] | null;
  z: Float64Array;
  dz: Float64Array | null;
  outWidth: number;
}

/** Parameter value of tensor `name`, or null when the op has no such tensor. */
export function param(params: ParamSet, name: string | null): Float64Array | null {
  if (name === null) return null;
  const t = params.get(name);
  if (!t) throw new Error(`missing tensor ${name}`);
  return t.data;
}

const patchOf = (p: TensorPatch | null, name: string | null): Float64Array | null =>
  p && name !== null ? (p.get(name) ?? null) : null;

/** Value and tangent of one op, dense. */
export function denseOp(
  op: Op, inShape: number[], n: number, params: ParamSet,
  x: Float64Array, dx: Float64Array | null, tangent: TensorPatch | null,
): { y: Float64Array; dy: Float64Array | null } {
  const needTangent = dx !== null || tangent !== null;
  switch (op.kind) {
    case 'linear': {
      const W = param(params, op.weight)!;
      const b = param(params, op.bias);
      const y = ops.linearForward(x, W, b, n, op.inFeatures, op.outFeatures);
      const dW = patchOf(tangent, op.weight);
      const db = patchOf(tangent, op.bias);
      const dy = needTangent ? ops.linearTangent(x, dx, W, dW, db, n, op.inFeatures, op.outFeatures) : null;
      return { y, dy };
    }
    case 'conv2d': {
      const s = convShape(op, inShape, n);
      const W = param(params, op.weight)!;
      const y = ops.conv2dForward(x, W, param(params, op.bias), s);
      const dy = needTangent
        ? ops.conv2dTangent(x, dx, W, patchOf(tangent, op.weight), patchOf(tangent, op.bias), s)
        : null;
      return { y, dy };
    }
    case 'maxpool': {
      const [c, h, w] = inShape;
      const { y, argmax } = ops.maxpoolForward(x, { n, c, h, w, k: op.kernel, stride: op.stride });
      return { y, dy: dx ? ops.maxpoolTangent(dx, argmax) : needTangent ? new Float64Array(y.length) : null };
    }
    case 'batchnorm': {
      const c = inShape[0];
      const spatial = size(inShape) / c;
      const g = param(params, op.weight);
      const b = param(params, op.bias);
      const m = param(params, op.runningMean)!;
      const v = param(params, op.runningVar)!;
      const y = ops.batchnormForward(x, g, b, m, v, op.eps, n, c, spatial);
      const dy = needTangent
        ? ops.batchnormTangent(x, dx, g, patchOf(tangent, op.weight), patchOf(tangent, op.bias), m, v, op.eps, n, c, spatial)
        : null;
      return { y, dy };
    }
    case 'layernorm': {
      const f = inShape[inShape.length - 1];
      const rows = (n * size(inShape)) / f;
      const g = param(params, op.weight);
      const b = param(params, op.bias);
      const y = ops.layernormForward(x, g, b, op.eps, rows, f);
      const dy = needTangent
        ? ops.layernormTangent(x, dx, g, patchOf(tangent, op.weight), patchOf(tangent, op.bias), op.eps, rows, f)
        : null;
      return { y, dy };
    }
    case 'activation': {
      const y = ops.activationForward(op.fn, x);
      return { y, dy: dx ? ops.activationTangent(op.fn, x, dx) : needTangent ? new Float64Array(y.length) : null };
    }
    case 'flatten':
      return { y: x, dy: dx };
  }
}

export function convShape(op: Extract<Op, { kind: 'conv2d' }>, inShape: number[], n: number): ops.ConvShape {
  return {
    n, c: inShape[0], h: inShape[1], w: inShape[2], o: op.outChannels,
    kh: op.kernel[0], kw: op.kernel[1], sh: op.stride[0], sw: op.stride[1], ph: op.padding[0], pw: op.padding[1],
  };
}

/** Evaluate the graph on N inputs; `tangent` (a direction v) makes it a JVP. */
export function evaluateDense(
  model: ModelGraph, params: ParamSet, input: Float64Array, n: number,
  options: { tangent?: TensorPatch | null; keepActivations?: boolean } = {},
): DenseResult {
  const shapes = shapeTrace(model);
  const tangent = options.tangent ?? null;
  let x = input;
  let dx: Float64Array | null = null;
  const acts: Float64Array[] | null = options.keepActivations ? [input] : null;
  model.ops.forEach((op, i) => {
    const r = denseOp(op, shapes[i], n, params, x, dx, tangent);
    x = r.y;
    dx = r.dy;
    acts?.push(x);
  });
  return { activations: acts, z: x, dz: dx, outWidth: size(shapes[shapes.length - 1]) };
}

/** Replace tensors of a parameter set (θ̂ + delta on the patched tensors). */
export function withDelta(params: ParamSet, delta: TensorPatch): ParamSet {
  const out: ParamSet = new Map(params);
  for (const [name, d] of delta) {
    const t = params.get(name);
    if (!t) throw new Error(`patch names unknown tensor ${name}`);
    const data = new Float64Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = t.data[i] + d[i];
    out.set(name, { shape: t.shape, data });
  }
  return out;
}
