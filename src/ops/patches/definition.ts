/**
 * An image cut into patch vectors: [C, H, W] → [(H/p)·(W/p), p·p·C], patch n = row·(W/p) + col, its
 * vector in einops order `(p1 p2 c)` (channel fastest) — vit-pytorch's
 * `Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)')` in front of a linear patch embedding.
 */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface PatchesOp {
  kind: 'patches';
  /** the patch side p */
  size: number;
}

/** Output feature of input feature f = (c, y, x) of a [C, H, W] image. */
export function patchFeature(f: number, [C, H, W]: number[], p: number): number {
  const c = Math.floor(f / (H * W)), y = Math.floor(f / W) % H, x = f % W;
  return (Math.floor(y / p) * (W / p) + Math.floor(x / p)) * (p * p * C) + ((y % p) * p + (x % p)) * C + c;
}

export const patchesDefinition: OpDefinition<'patches'> = {
  kind: 'patches',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape: (op, [[C, H, W]]) => [(H / op.size) * (W / op.size), op.size * op.size * C],
  inputError: (op, [x]) => (x.length !== 3 ? `cuts an image [C, H, W] into patches, gets [${x}]`
    : x[1] % op.size !== 0 || x[2] % op.size !== 0 ? `cannot cut a ${x[1]}×${x[2]} image into ${op.size}×${op.size} patches` : null),
  tensors: () => [],
  tensorSpecs: () => [],
  fromArch(layer, ctx) {
    const size = Number(layer.kernel);
    if (!Number.isInteger(size) || size < 1) ctx.bad(`layer ${ctx.index}: patches needs a "kernel" (the patch side) ≥ 1, gets ${layer.kernel}`);
    return { kind: 'patches', size };
  },
  toArch: (op) => ({ op: 'patches', kernel: op.size }),
  label: (op) => ({ kind: 'Patches', detail: `${op.size}×${op.size}, [C, H, W] → [patches, (p1 p2 c)]`, name: null }),
};
