/** Dispatcher of embedding.wgsl (beside it): rows of W by token id, with Ẇ's rows as the tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const embeddingGpu: GpuOp<'embedding'> = {
  kernels: ['embedding'],
  sparseInput: null,
  encode(rec, op, a) {
    const per = a.M * a.inShapes[0][0];
    const words = new UniformWords()
      .flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(op.weight)).ref(a.tangent(op.weight))
      .u32(a.G, per, op.dim, op.vocab).finish();
    rec.dispatch1D('embedding', words, singleInputBindings(a), a.G * per * op.dim);
  },
};
