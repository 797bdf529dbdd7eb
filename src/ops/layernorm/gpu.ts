/** Dispatcher of layernorm.wgsl (beside it): LayerNorm over the last axis with its JVP. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from '../../engine/webgpu/context.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export interface LayernormArgs {
  x: FlowRef;
  y: FlowRef;
  gamma: ParamRef;
  beta: ParamRef;
  dgamma: ParamRef;
  dbeta: ParamRef;
  G: number;
  /** rows per query (samples × rows per sample) */
  rows: number;
  f: number;
  eps: number;
}

export function encodeLayernorm(rec: Recorder, bind: Bindings, a: LayernormArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.gamma).ref(a.beta).ref(a.dgamma).ref(a.dbeta)
    .u32(a.G, a.rows, a.f).f32(a.eps)
    .finish();
  rec.dispatch1D('layernorm', words, bind, a.G * a.rows);
}

export const layernormGpu: GpuOp<'layernorm'> = {
  kernels: ['layernorm'],
  sparseInput: null,
  encode(rec, op, a) {
    const inShape = a.inShapes[0];
    const f = inShape[inShape.length - 1];
    encodeLayernorm(rec, singleInputBindings(a), {
      x: a.xs[0].ref, y: a.y.ref, gamma: a.value(op.weight), beta: a.value(op.bias), dgamma: a.tangent(op.weight), dbeta: a.tangent(op.bias),
      G: a.G, rows: (a.M * inShape.reduce((x, y) => x * y, 1)) / f, f, eps: op.eps,
    });
  },
};
