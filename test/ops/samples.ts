/**
 * One or more example instances of every op, on odd shapes (not multiples of any workgroup size),
 * for the parity tests that loop over the registry. Typed over every OpKind: a new op does not
 * compile until it has a sample here.
 */
import type { OpKind, OpOf } from '../../src/ops/types.ts';
import { ACTIVATIONS } from '../../src/ops/activation/functions.ts';

export interface OpSample<K extends OpKind> {
  op: OpOf<K>;
  inputs: number[][];
  note: string;
  /** input 0 holds token ids below this vocabulary size: drawn as integers, never given a tangent */
  tokens?: number;
}

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
    {
      op: { kind: 'conv2d', layer: 'c', weight: 'c.weight', bias: null, inChannels: 4, outChannels: 3, kernel: [3, 2], stride: [1, 1], padding: [1, 0] },
      inputs: [[4, 6, 5]], note: 'stride 1, padding 1×0 (VJP as a convolution)',
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
  // every activation, on shapes of every rank (gelu_tanh: GPT-2's; silu: SwiGLU's gate)
  activation: ACTIVATIONS.map((fn, i) => ({ op: { kind: 'activation' as const, fn }, inputs: [[[9], [2, 3, 3], [17], [3, 5]][i % 4]], note: fn })),
  flatten: [{ op: { kind: 'flatten' }, inputs: [[3, 2, 5]], note: 'image' }],
  add: [{ op: { kind: 'add' }, inputs: [[19], [19]], note: 'two inputs' }],
  rmsnorm: [
    { op: { kind: 'rmsnorm', layer: 'r', weight: 'r.weight', eps: 1e-6 }, inputs: [[11]], note: 'vectors' },
    { op: { kind: 'rmsnorm', layer: 'r', weight: null, eps: 1e-5 }, inputs: [[2, 3, 7]], note: 'no scale, last axis of an image' },
  ],
  mul: [{ op: { kind: 'mul' }, inputs: [[23], [23]], note: 'two inputs' }],
  embedding: [{ op: { kind: 'embedding', layer: 'e', weight: 'e.weight', vocab: 11, dim: 7 }, inputs: [[5]], tokens: 11, note: 'token ids' }],
  positional: [{ op: { kind: 'positional', layer: 'p', weight: 'p.weight', dim: 7 }, inputs: [[5, 7]], note: 'learned positions' }],
  attention: [
    { op: { kind: 'attention', layer: 'a', heads: 3, kvHeads: 3, headDim: 7, causal: true, scale: 7 ** -0.5, rotary: null }, inputs: [[5, 21], [5, 21], [5, 21]], note: 'causal, 3 heads × 7' },
    { op: { kind: 'attention', layer: 'a', heads: 3, kvHeads: 1, headDim: 7, causal: true, scale: 0.4, rotary: { base: 10000, convention: 'half-split', dims: 6 } }, inputs: [[5, 21], [5, 7], [5, 7]], note: 'GQA 3/1, partial half-split rotary' },
    { op: { kind: 'attention', layer: 'a', heads: 4, kvHeads: 2, headDim: 6, causal: false, scale: 0.5, rotary: { base: 100, convention: 'interleaved', dims: 6 } }, inputs: [[3, 24], [3, 12], [3, 12]], note: 'bidirectional GQA 4/2, interleaved rotary' },
  ],
  slice: [{ op: { kind: 'slice', start: 5, length: 7 }, inputs: [[3, 17]], note: 'middle of a fused projection' }],
  concat: [{ op: { kind: 'concat' }, inputs: [[3, 5], [3, 7]], note: 'two heads of different widths' }],
  patchify: [{ op: { kind: 'patchify' }, inputs: [[5, 3, 7]], note: '[D, h, w] conv output' }],
  patches: [{ op: { kind: 'patches', size: 3 }, inputs: [[2, 6, 9]], note: '3×3 patches of a 2-channel 6×9 image' }],
  cls: [
    { op: { kind: 'cls', layer: 'e', weight: 'e.cls_token' }, inputs: [[5, 7]], note: 'token prepended' },
    { op: { kind: 'cls', layer: 'e', weight: 'e.register_tokens', tokens: 3, at: 1 }, inputs: [[5, 7]], note: '3 register tokens after CLS' },
  ],
  scale: [{ op: { kind: 'scale', layer: 's', weight: 's.lambda1' }, inputs: [[3, 11]], note: 'layer scale per position' }],
  take: [
    { op: { kind: 'take', index: -1 }, inputs: [[5, 7]], note: 'last position' },
    { op: { kind: 'take', index: 0 }, inputs: [[3, 9]], note: 'first (CLS) position' },
  ],
  mean: [
    { op: { kind: 'mean', start: 1 }, inputs: [[5, 7]], note: 'the patch tokens after CLS' },
    { op: { kind: 'mean', start: 0 }, inputs: [[3, 9]], note: 'every position' },
  ],
};

/** Every sample with its kind, for loops. */
export const ALL_SAMPLES = (Object.keys(SAMPLES) as OpKind[]).flatMap((k) => (SAMPLES[k] as OpSample<OpKind>[]).map((s) => ({ kind: k, ...s })));
