/**
 * Patch embedding's reshape: the patch conv's output [D, h, w] → a sequence of h·w patches [h·w, D]
 * (ViT's `flatten(2).transpose(1, 2)`), patch p = row·w + col.
 */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface PatchifyOp {
  kind: 'patchify';
}

export const patchifyDefinition: OpDefinition<'patchify'> = {
  kind: 'patchify',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape: (_op, [x]) => [x[1] * x[2], x[0]],
  inputError: (_op, [x]) => (x.length !== 3 ? `turns a conv output [D, h, w] into patches, gets [${x}]` : null),
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch: () => ({ kind: 'patchify' }),
  toArch: () => ({ op: 'patchify' }),
  label: () => ({ kind: 'Patches', detail: '[D, h, w] → [h·w, D]', name: null }),
};
