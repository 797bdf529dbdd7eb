/** Dispatcher of shaders/maxpool.wgsl: max pooling, tangent routed through the first maximum. */
import { UniformWords, type Bindings, type FlowRef, type Recorder } from './context.ts';

export interface MaxpoolArgs {
  x: FlowRef;
  y: FlowRef;
  G: number;
  M: number;
  C: number;
  H: number;
  W: number;
  K: number;
  S: number;
}

export function encodeMaxpool(rec: Recorder, bind: Bindings, a: MaxpoolArgs): void {
  const OH = Math.floor((a.H - a.K) / a.S) + 1;
  const OW = Math.floor((a.W - a.K) / a.S) + 1;
  const words = new UniformWords()
    .flow(a.x).flow(a.y)
    .u32(a.G, a.M, a.C, a.H, a.W, a.K, a.S, OH, OW)
    .finish();
  rec.dispatch1D('maxpool', words, bind, a.G * a.M * a.C * OH * OW);
}
