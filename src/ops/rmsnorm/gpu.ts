/** Dispatcher of rmsnorm.wgsl (beside it): RMSNorm over the last axis with its JVP. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const rmsnormGpu: GpuOp<'rmsnorm'> = {
  kernels: ['rmsnorm'],
  sparseInput: null,
  encode(rec, op, a) {
    const inShape = a.inShapes[0];
    const f = inShape[inShape.length - 1];
    const rows = (a.M * inShape.reduce((x, y) => x * y, 1)) / f;
    const words = new UniformWords()
      .flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(op.weight)).ref(a.tangent(op.weight))
      .u32(a.G, rows, f).f32(op.eps)
      .finish();
    rec.dispatch1D('rmsnorm', words, singleInputBindings(a), a.G * rows);
  },
};
