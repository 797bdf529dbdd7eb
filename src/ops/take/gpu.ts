/** Dispatcher of take.wgsl (beside it): row t of each sample's sequence, value and tangent. */
import { UniformWords, singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';
import { takePosition } from './definition.ts';

export const takeGpu: GpuOp<'take'> = {
  kernels: ['take'],
  sparseInput: null,
  encode(rec, op, a) {
    const [T, D] = a.inShapes[0];
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).u32(a.G, a.M, T, D, takePosition(op, T)).finish();
    rec.dispatch1D('take', words, singleInputBindings(a), a.G * a.M * D);
  },
};
