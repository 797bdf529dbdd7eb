/**
 * One or more example instances of every op, on odd shapes (not multiples of any workgroup size),
 * for the parity tests that loop over the registry. Typed over every OpKind: a new op does not
 * compile until it has a sample here.
 */
import type { OpKind, OpOf } from '../../src/ops/types.ts';

export interface OpSample<K extends OpKind> { op: OpOf<K>; inputs: number[][]; note: string }

export const SAMPLES: { [K in OpKind]: OpSample<K>[] } = {
  linear: [
    { op: { kind: 'linear', layer: 'l', weight: 'l.weight', bias: 'l.bias', inFeatures: 13, outFeatures: 7 }, inputs: [[13]], note: 'with bias' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.weight', bias: null, inFeatures: 45, outFeatures: 1 }, inputs: [[5, 3, 3]], note: 'no bias, image input' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.weight', bias: 'l.bias', inFeatures: 13, outFeatures: 7, layout: 'in-out' }, inputs: [[13]], note: 'stored [in, out] (Conv1D)' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.weight', bias: 'l.bias', inFeatures: 11, outFeatures: 9, layout: 'in-out', positionwise: true }, inputs: [[5, 11]], note: 'Conv1D per position' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.W_Q', bias: 'l.b_Q', inFeatures: 7, outFeatures: 15, layout: 'heads', heads: 3, positionwise: true }, inputs: [[3, 7]], note: 'W_Q [H, in, dh] per position' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.W_O', bias: null, inFeatures: 10, outFeatures: 7, layout: 'in-out', heads: 2, positionwise: true }, inputs: [[3, 10]], note: 'W_O [H, dh, out] per position' },
    { op: { kind: 'linear', layer: 'l', weight: 'l.weight', bias: null, inFeatures: 6, outFeatures: 17, positionwise: true }, inputs: [[19, 6]], note: '[out, in] per position, odd T' },
  ],
  conv2d: [
    {
      op: { kind: 'conv2d', layer: 'c', weight: 'c.weight', bias: 'c.bias', inChannels: 3, outChannels: 5, kernel: [3, 2], stride: [2, 1], padding: [1, 0] },
      inputs: [[3, 7, 6]], note: 'stride 2×1, padding 1×0',
    },
  ],
  maxpool: [{ op: { kind: 'maxpool', kernel: 2, stride: 2 }, inputs: [[3, 7, 5]], note: '2×2 on an odd plane' }],
  batchnorm: [
    { op: { kind: 'batchnorm', layer: 'b', weight: 'b.weight', bias: 'b.bias', runningMean: 'b.running_mean', runningVar: 'b.running_var', eps: 1e-5 }, inputs: [[3, 5, 3]], note: 'images' },
  ],
  layernorm: [
    { op: { kind: 'layernorm', layer: 'n', weight: 'n.weight', bias: 'n.bias', eps: 1e-5 }, inputs: [[11]], note: 'vectors' },
    { op: { kind: 'layernorm', layer: 'n', weight: null, bias: null, eps: 1e-5 }, inputs: [[2, 3, 7]], note: 'no affine, last axis of an image' },
  ],
  activation: [
    { op: { kind: 'activation', fn: 'gelu' }, inputs: [[9]], note: 'gelu' },
    { op: { kind: 'activation', fn: 'relu2' }, inputs: [[2, 3, 3]], note: 'relu2' },
    { op: { kind: 'activation', fn: 'silu' }, inputs: [[17]], note: 'silu' },
  ],
  flatten: [{ op: { kind: 'flatten' }, inputs: [[3, 2, 5]], note: 'image' }],
  add: [{ op: { kind: 'add' }, inputs: [[19], [19]], note: 'two inputs' }],
  rmsnorm: [
    { op: { kind: 'rmsnorm', layer: 'r', weight: 'r.weight', eps: 1e-6 }, inputs: [[11]], note: 'vectors' },
    { op: { kind: 'rmsnorm', layer: 'r', weight: null, eps: 1e-5 }, inputs: [[2, 3, 7]], note: 'no scale, last axis of an image' },
  ],
  mul: [{ op: { kind: 'mul' }, inputs: [[23], [23]], note: 'two inputs' }],
};

/** Every sample with its kind, for loops. */
export const ALL_SAMPLES = (Object.keys(SAMPLES) as OpKind[]).flatMap((k) => (SAMPLES[k] as OpSample<OpKind>[]).map((s) => ({ kind: k, ...s })));
