/** Dispatcher of shaders/batchnorm.wgsl: eval-mode BatchNorm with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';

export interface BatchnormArgs {
  x: FlowRef;
  y: FlowRef;
  gamma: ParamRef;
  beta: ParamRef;
  dgamma: ParamRef;
  dbeta: ParamRef;
  mean: ParamRef;
  variance: ParamRef;
  G: number;
  M: number;
  C: number;
  spatial: number;
  eps: number;
}

export function encodeBatchnorm(rec: Recorder, bind: Bindings, a: BatchnormArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.gamma).ref(a.beta).ref(a.dgamma).ref(a.dbeta).ref(a.mean).ref(a.variance)
    .u32(a.G, a.M, a.C, a.spatial).f32(a.eps)
    .finish();
  rec.dispatch1D('batchnorm', words, bind, a.G * a.M * a.C * a.spatial);
}
