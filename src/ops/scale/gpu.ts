/** Dispatcher of scale.wgsl (beside it): x ⊙ γ on the last axis with its tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const scaleGpu: GpuOp<'scale'> = {
  kernels: ['scale'],
  sparseInput: null,
  encode(rec, op, a) {
    const shape = a.inShapes[0];
    const F = shape.reduce((x, y) => x * y, 1);
    const words = new UniformWords()
      .flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(op.weight)).ref(a.tangent(op.weight))
      .u32(a.G, a.M, F, shape[shape.length - 1]).finish();
    rec.dispatch1D('scale', words, singleInputBindings(a), a.G * a.M * F);
  },
};
