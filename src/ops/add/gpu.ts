/** Dispatcher of add.wgsl (beside it): y = a + b with its tangent; b travels in the `baseIn` binding. */
import { UniformWords, type FlowRef, type Recorder } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export interface AddArgs {
  a: FlowRef;
  b: FlowRef;
  y: FlowRef;
  G: number;
  /** elements per query: samples × features */
  per: number;
}

export function encodeAdd(rec: Recorder, bind: { a: GPUBuffer; b: GPUBuffer; dst: GPUBuffer }, args: AddArgs): void {
  const words = new UniformWords().flow(args.a).flow(args.b).flow(args.y).u32(args.G, args.per).finish();
  rec.dispatch1D('add', words, { src: bind.a, baseIn: bind.b, dst: bind.dst }, args.G * args.per);
}

export const addGpu: GpuOp<'add'> = {
  kernels: ['add'],
  sparseInput: null,
  encode(rec, _op, a) {
    const per = a.M * a.inShapes[0].reduce((x, y) => x * y, 1);
    encodeAdd(rec, { a: a.xs[0].buffer, b: a.xs[1].buffer, dst: a.y.buffer }, { a: a.xs[0].ref, b: a.xs[1].ref, y: a.y.ref, G: a.G, per });
  },
};
