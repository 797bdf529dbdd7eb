/** Dispatcher of maxpool.wgsl (beside it): max pooling, tangent routed through the first maximum. */
import { UniformWords, type Bindings, type FlowRef, type Recorder } from '../../engine/webgpu/context.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

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

export const maxpoolGpu: GpuOp<'maxpool'> = {
  kernels: ['maxpool'],
  sparseInput: null,
  encode(rec, op, a) {
    const [c, h, w] = a.inShapes[0];
    encodeMaxpool(rec, singleInputBindings(a), { x: a.xs[0].ref, y: a.y.ref, G: a.G, M: a.M, C: c, H: h, W: w, K: op.kernel, S: op.stride });
  },
};
