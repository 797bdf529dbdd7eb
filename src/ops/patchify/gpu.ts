/** Dispatcher of patchify.wgsl (beside it): [D, h, w] → [h·w, D] with its tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const patchifyGpu: GpuOp<'patchify'> = {
  kernels: ['patchify'],
  sparseInput: null,
  encode(rec, _op, a) {
    const [D, h, w] = a.inShapes[0];
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).u32(a.G, a.M, D, h * w).finish();
    rec.dispatch1D('patchify', words, singleInputBindings(a), a.G * a.M * D * h * w);
  },
};
