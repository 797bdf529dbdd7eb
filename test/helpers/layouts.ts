/**
 * A per-position stack with weights in every stored layout (linear `layout`/`positionwise`), built
 * as architecture JSON with a residual `inputs`, for engine tests:
 * x[4, 6] → c_fc: Conv1D [6, 10] per position (v1) → gelu (v2) → c_proj: Conv1D [10, 6] (v3)
 * → add(v3, x) (v4) → layernorm (v5) → W_Q [2, 6, 3] per position (v6 [4, 6]) → W_O [2, 3, 5]
 * per position (v7 [4, 5]) → flatten (v8) → head: nn.Linear [3, 20] (v9).
 */
import { architectureFromJson } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';

export const LAYOUT_ARCH = {
  inputShape: [4, 6], activation: 'gelu',
  layers: [
    { op: 'linear', prefix: 'mlp.c_fc', layout: 'in-out', positionwise: true },
    { op: 'activation', fn: 'gelu' },
    { op: 'linear', prefix: 'mlp.c_proj', layout: 'in-out', positionwise: true },
    { op: 'add', inputs: [3, 0] },
    { op: 'layernorm', prefix: 'ln', eps: 1e-5 },
    { op: 'linear', prefix: 'attn.q', layout: 'heads', positionwise: true },
    { op: 'linear', prefix: 'attn.o', layout: 'in-out', positionwise: true },
    { op: 'flatten' },
    { op: 'linear', prefix: 'head' },
  ],
};

const t = (name: string, shape: number[]) => ({ name, shape });
export const LAYOUT_TENSORS = [
  t('mlp.c_fc.weight', [6, 10]), t('mlp.c_fc.bias', [10]), t('mlp.c_proj.weight', [10, 6]), t('mlp.c_proj.bias', [6]),
  t('ln.weight', [6]), t('ln.bias', [6]), t('attn.q.weight', [2, 6, 3]), t('attn.q.bias', [6]), t('attn.o.weight', [2, 3, 5]),
  t('head.weight', [3, 20]), t('head.bias', [3]),
];

export function layoutGraph(): ModelGraph {
  return architectureFromJson(LAYOUT_ARCH, LAYOUT_TENSORS, null, {});
}
