/** Dispatcher of conv2d.wgsl (beside it): direct conv2d with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from '../../engine/webgpu/context.ts';
import { convGeometryWords, type ConvGeometry } from '../../engine/webgpu/op-args.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';
import { conv2dSparseInput } from './gpu-sparse.ts';

export { convOut } from '../../engine/webgpu/op-args.ts';

export interface Conv2dArgs extends ConvGeometry {
  x: FlowRef;
  y: FlowRef;
  w: ParamRef;
  b: ParamRef;
  dw: ParamRef;
  db: ParamRef;
}

export function encodeConv2d(rec: Recorder, bind: Bindings, a: Conv2dArgs): void {
  const words = new UniformWords().flow(a.x).flow(a.y).ref(a.w).ref(a.b).ref(a.dw).ref(a.db);
  const total = convGeometryWords(words, a);
  rec.dispatch1D('conv2d', words.finish(), bind, total);
}

export const conv2dGpu: GpuOp<'conv2d'> = {
  kernels: ['conv2d', 'conv2d-sparse'],
  sparseInput: conv2dSparseInput,
  encode(rec, op, a) {
    const [c, h, w] = a.inShapes[0];
    encodeConv2d(rec, singleInputBindings(a), {
      x: a.xs[0].ref, y: a.y.ref, w: a.value(op.weight), b: a.value(op.bias), dw: a.tangent(op.weight), db: a.tangent(op.bias),
      G: a.G, M: a.M, C: c, H: h, W: w, O: op.outChannels,
      KH: op.kernel[0], KW: op.kernel[1], SH: op.stride[0], SW: op.stride[1], PH: op.padding[0], PW: op.padding[1],
    });
  },
};
