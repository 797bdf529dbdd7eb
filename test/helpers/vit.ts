/**
 * A tiny ViT block as architecture JSON (patch conv → patchify → CLS token → positions → LN →
 * fused qkv (Conv1D layout, per position) → three slices → attention → output → layer scale →
 * residual add → LN → take CLS → head), for engine tests of the sequence ops and branching graphs.
 * Value ids: 0 = the image [3, 8, 8], layer i's output = i + 1.
 */
import { architectureFromJson } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';

export const VIT_ARCH = {
  inputShape: [3, 8, 8], activation: 'gelu',
  layers: [
    { op: 'conv2d', prefix: 'patch', stride: 4, padding: 0 },
    { op: 'patchify' },
    { op: 'cls', prefix: 'emb', weight: 'emb.cls_token' },
    { op: 'positional', prefix: 'pos' },
    { op: 'layernorm', prefix: 'ln1', eps: 1e-5 },
    { op: 'linear', prefix: 'qkv', layout: 'in-out', positionwise: true },
    { op: 'slice', start: 0, length: 6 },
    { op: 'slice', start: 6, length: 6, inputs: [6] },
    { op: 'slice', start: 12, length: 6, inputs: [6] },
    { op: 'attention', prefix: 'attn', heads: 2, kvHeads: 2, headDim: 3, causal: false, scale: 1 / Math.sqrt(3), rotary: null, inputs: [7, 8, 9] },
    { op: 'linear', prefix: 'o', positionwise: true },
    { op: 'scale', prefix: 'ls1', weight: 'ls1.lambda1' },
    { op: 'add', inputs: [12, 4] },
    { op: 'layernorm', prefix: 'ln2', eps: 1e-5 },
    { op: 'take', index: 0 },
    { op: 'linear', prefix: 'head' },
  ],
};

const t = (name: string, shape: number[]) => ({ name, shape });
export const VIT_TENSORS = [
  t('patch.weight', [6, 3, 4, 4]), t('patch.bias', [6]), t('emb.cls_token', [1, 1, 6]), t('pos.weight', [5, 6]),
  t('ln1.weight', [6]), t('ln1.bias', [6]), t('qkv.weight', [6, 18]), t('qkv.bias', [18]), t('o.weight', [6, 6]), t('o.bias', [6]),
  t('ls1.lambda1', [6]), t('ln2.weight', [6]), t('ln2.bias', [6]), t('head.weight', [3, 6]), t('head.bias', [3]),
];

export function vitGraph(): ModelGraph {
  return architectureFromJson(VIT_ARCH, VIT_TENSORS, null, {});
}
