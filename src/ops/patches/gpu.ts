/** Dispatcher of patches.wgsl (beside it): [C, H, W] → [patches, (p1 p2 c)] with its tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const patchesGpu: GpuOp<'patches'> = {
  kernels: ['patches'],
  sparseInput: null,
  encode(rec, op, a) {
    const [C, H, W] = a.inShapes[0];
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).u32(a.G, a.M, C, H, W, op.size).finish();
    rec.dispatch1D('patches', words, singleInputBindings(a), a.G * a.M * C * H * W);
  },
};
