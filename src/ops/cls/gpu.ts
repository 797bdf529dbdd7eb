/** Dispatcher of cls.wgsl (beside it): the class token prepended, with its tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const clsGpu: GpuOp<'cls'> = {
  kernels: ['cls'],
  sparseInput: null,
  encode(rec, op, a) {
    const [T, D] = a.inShapes[0];
    const words = new UniformWords()
      .flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(op.weight)).ref(a.tangent(op.weight))
      .u32(a.G, a.M, T * D, D).finish();
    rec.dispatch1D('cls', words, singleInputBindings(a), a.G * a.M * (T + 1) * D);
  },
};
