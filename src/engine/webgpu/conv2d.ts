/** Dispatcher of shaders/conv2d.wgsl: direct conv2d with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';
import { convGeometryWords, type ConvGeometry } from './op-args.ts';

export { convOut } from './op-args.ts';

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
