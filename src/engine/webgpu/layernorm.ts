/** Dispatcher of shaders/layernorm.wgsl: LayerNorm over the last axis with its JVP. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';

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
