/** Dispatcher of mul.wgsl (beside it): y = a ⊙ b with its tangent; b travels in the `baseIn` binding. */
import { UniformWords } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const mulGpu: GpuOp<'mul'> = {
  kernels: ['mul'],
  sparseInput: null,
  encode(rec, _op, a) {
    const per = a.M * a.inShapes[0].reduce((x, y) => x * y, 1);
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.xs[1].ref).flow(a.y.ref).u32(a.G, per).finish();
    rec.dispatch1D('mul', words, { src: a.xs[0].buffer, baseIn: a.xs[1].buffer, dst: a.y.buffer }, a.G * per);
  },
};
