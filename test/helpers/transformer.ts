/**
 * A one-block causal transformer built as architecture JSON (token ids in, the last position's
 * logits out), for engine tests of the transformer ops on a branching graph. Values (ids):
 *   0 tokens [5] → 1 embedding wte (13 × 8) → 2 positional wpe ([1, 7, 8]: more positions than T)
 *   → 3 layernorm ln_1 → 4 q (positionwise 8 → 8), 5 k (GPT-2 Conv1D layout [in, out], 8 → 4),
 *   6 v (8 → 4) → 7 attention (2 heads × 4 on 1 key/value head, causal, half-split rotary on 2
 *   of 4 dims) → 8 o (positionwise, no bias) → 9 add(o, positions) → 10 take last → 11 linear head 8 → 3.
 */
import { architectureFromJson } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import { linePoint, type FisherQuery, type ParamSet } from '../../src/engine/types.ts';
import { createRng, randomParams, randomPatch } from './models.ts';
import type { Rng } from '../../src/math/random.ts';

export const TRANSFORMER_ARCH = {
  inputShape: [5], activation: 'gelu',
  layers: [
    { op: 'embedding', prefix: 'wte' },
    { op: 'positional', prefix: 'wpe' },
    { op: 'layernorm', prefix: 'ln_1', eps: 1e-5 },
    { op: 'linear', prefix: 'q', positionwise: true },
    { op: 'linear', prefix: 'k', positionwise: true, layout: 'in-out', inputs: [3] },
    { op: 'linear', prefix: 'v', positionwise: true, inputs: [3] },
    { op: 'attention', prefix: 'attn', heads: 2, kvHeads: 1, headDim: 4, causal: true, scale: 0.5, rotary: { base: 100, convention: 'half-split', dims: 2 }, inputs: [4, 5, 6] },
    { op: 'linear', prefix: 'o', positionwise: true },
    { op: 'add', inputs: [8, 2] },
    { op: 'take', index: -1 },
    { op: 'linear', prefix: 'head' },
  ],
};

const t = (name: string, shape: number[]) => ({ name, shape });
export const TRANSFORMER_TENSORS = [
  t('wte.weight', [13, 8]), t('wpe.weight', [1, 7, 8]), t('ln_1.weight', [8]), t('ln_1.bias', [8]),
  t('q.weight', [8, 8]), t('q.bias', [8]), t('k.weight', [8, 4]), t('k.bias', [4]), t('v.weight', [4, 8]), t('v.bias', [4]), t('o.weight', [8, 8]),
  t('head.weight', [3, 8]), t('head.bias', [3]),
];

export function transformerGraph(): ModelGraph {
  return architectureFromJson(TRANSFORMER_ARCH, TRANSFORMER_TENSORS, null, {});
}

/** Random parameters with the stored shapes (wpe keeps all 7 positions). */
export function transformerParams(g: ModelGraph, rng: Rng = createRng(1)): ParamSet {
  const p = randomParams(g, rng, 0.8);
  p.set('wpe.weight', { shape: [1, 7, 8], data: Float64Array.from({ length: 56 }, () => 0.8 * rng.normal()) });
  return p;
}

/** Directions on every tensor, single entries (sparse flows) and a mixed delta/tangent point. */
export function transformerQueries(params: ParamSet, tokens: Float64Array, seed: number): FisherQuery[] {
  const rng = createRng(seed);
  const qs: FisherQuery[] = [];
  for (const name of params.keys()) qs.push(linePoint(randomPatch(params, [name], rng), 0.2));
  const one = (name: string, at: number, t: number) => {
    const a = new Float64Array(params.get(name)!.data.length);
    a[at] = 1;
    qs.push(linePoint(new Map([[name, a]]), t));
  };
  one('wte.weight', tokens[3] * 8 + 5, 0.3); // a token the probe holds
  one('wte.weight', 12 * 8 + 1, 0.3); // a row no probe token may read
  one('wpe.weight', 4 * 8 + 2, 0.5); // the last position used
  one('wpe.weight', 6 * 8 + 2, 0.5); // a position past T: moves nothing
  one('ln_1.bias', 3, 0.1);
  one('k.weight', 2 * 4 + 1, 0.2); // stored [in, out]: W[o = 1, i = 2]
  one('o.weight', 9, 0.2);
  one('head.weight', 7, 0.1);
  qs.push({ delta: randomPatch(params, ['wte.weight', 'ln_1.weight'], rng), tangent: randomPatch(params, ['wpe.weight', 'head.bias'], rng) });
  // a LayerNorm moved with the projections it feeds (dense input change and weight patch in one linear)
  qs.push(linePoint(randomPatch(params, ['ln_1.weight', 'q.weight', 'k.weight'], rng), 0.3));
  // ... with patches of k on a few of its inputs only (stored [in, out]: W[o, i] at i·4 + o)
  const kAt = (entries: [number, number, number][]) => {
    const a = new Float64Array(32);
    for (const [i, o, w] of entries) a[i * 4 + o] = w;
    return a;
  };
  qs.push({
    delta: new Map([['ln_1.bias', randomPatch(params, ['ln_1.bias'], rng).get('ln_1.bias')!], ['k.weight', kAt([[0, 1, 0.3], [6, 3, -0.5]])]]),
    tangent: new Map([['ln_1.weight', randomPatch(params, ['ln_1.weight'], rng).get('ln_1.weight')!], ['k.weight', kAt([[1, 2, 0.7], [5, 0, -0.4]])]]),
  });
  return qs;
}
