/** Dispatcher of mean.wgsl (beside it): the mean of positions start … T − 1, value and tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const meanGpu: GpuOp<'mean'> = {
  kernels: ['mean'],
  sparseInput: null,
  encode(rec, op, a) {
    const [T, D] = a.inShapes[0];
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).u32(a.G, a.M, T, D, op.start).finish();
    rec.dispatch1D('mean', words, singleInputBindings(a), a.G * a.M * D);
  },
};
