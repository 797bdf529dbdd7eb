/** Dispatcher of cls.wgsl (beside it): stored tokens inserted into the sequence, with their tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';
import { clsTokens } from './definition.ts';

export const clsGpu: GpuOp<'cls'> = {
  kernels: ['cls'],
  sparseInput: null,
  encode(rec, op, a) {
    const [T, D] = a.inShapes[0];
    const { R, at } = clsTokens(op);
    const words = new UniformWords()
      .flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(op.weight)).ref(a.tangent(op.weight))
      .u32(a.G, a.M, T * D, D, R * D, at * D).finish();
    rec.dispatch1D('cls', words, singleInputBindings(a), a.G * a.M * (T + R) * D);
  },
};
