/** Dispatcher of slice.wgsl (beside it): features start … start + length − 1 of the last axis. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const sliceGpu: GpuOp<'slice'> = {
  kernels: ['slice'],
  sparseInput: null,
  encode(rec, op, a) {
    const shape = a.inShapes[0];
    const F = shape[shape.length - 1];
    const rows = (a.M * shape.reduce((x, y) => x * y, 1)) / F;
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).u32(a.G, rows, F, op.length, op.start).finish();
    rec.dispatch1D('slice', words, singleInputBindings(a), a.G * rows * op.length);
  },
};
