/** Dispatcher of batchnorm.wgsl (beside it): eval-mode BatchNorm with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from '../../engine/webgpu/context.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

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

export const batchnormGpu: GpuOp<'batchnorm'> = {
  kernels: ['batchnorm'],
  sparseInput: null,
  encode(rec, op, a) {
    const inShape = a.inShapes[0];
    const c = inShape[0];
    encodeBatchnorm(rec, singleInputBindings(a), {
      x: a.xs[0].ref, y: a.y.ref, gamma: a.value(op.weight), beta: a.value(op.bias), dgamma: a.tangent(op.weight), dbeta: a.tangent(op.bias),
      mean: a.value(op.runningMean), variance: a.value(op.runningVar), G: a.G, M: a.M, C: c, spatial: inShape.reduce((x, y) => x * y, 1) / c, eps: op.eps,
    });
  },
};
