/** Dispatcher of concat.wgsl (beside it): a's features then b's; b travels in the `baseIn` binding. */
import { UniformWords } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export const concatGpu: GpuOp<'concat'> = {
  kernels: ['concat'],
  sparseInput: null,
  encode(rec, _op, a) {
    const [sa, sb] = a.inShapes;
    const Fa = sa[sa.length - 1], Fb = sb[sb.length - 1];
    const rows = (a.M * sa.reduce((x, y) => x * y, 1)) / Fa;
    const words = new UniformWords().flow(a.xs[0].ref).flow(a.xs[1].ref).flow(a.y.ref).u32(a.G, rows, Fa, Fb).finish();
    rec.dispatch1D('concat', words, { src: a.xs[0].buffer, baseIn: a.xs[1].buffer, dst: a.y.buffer }, a.G * rows * (Fa + Fb));
  },
};
