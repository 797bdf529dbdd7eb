/** Dispatcher of activation.wgsl (beside it): φ and its JVP, dense or on a sparse support. */
import { ACTIVATIONS, type Activation } from '../activation/functions.ts';
import { UniformWords, type Bindings, type FlowRef, type Recorder } from '../../engine/webgpu/context.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

export interface ActivationArgs {
  x: FlowRef;
  y: FlowRef;
  fn: Activation;
  G: number;
  M: number;
  /** features per sample of the op's tensor */
  F: number;
  /** sparse mode: the support U (offset in idx, length); the flow then holds changes on U */
  sparse?: { idxOff: number; nU: number; bInOff: number; bOutOff: number } | null;
}

export function activationCode(fn: Activation): number {
  const i = ACTIVATIONS.indexOf(fn);
  if (i < 0) throw new Error(`unknown activation ${fn}`);
  return i;
}

export function encodeActivation(rec: Recorder, bind: Bindings, a: ActivationArgs): void {
  const s = a.sparse ?? null;
  const width = s ? s.nU : a.F;
  const words = new UniformWords()
    .flow(a.x).flow(a.y)
    .u32(a.G, a.M, a.F, width, activationCode(a.fn), s ? 1 : 0, s?.idxOff ?? 0, s?.bInOff ?? 0, s?.bOutOff ?? 0)
    .finish();
  rec.dispatch1D('activation', words, bind, a.G * a.M * width);
}

export const activationGpu: GpuOp<'activation'> = {
  kernels: ['activation'],
  // elementwise: the change stays on U
  sparseInput(op, a) {
    const nU = a.U.length, F = a.inWidth, idxOff = a.idx.add(a.U), { G, M, s0 } = a;
    const x = a.flowRef(nU);
    return {
      output: 'sparse',
      encode: (rec, io) => encodeActivation(rec, { src: io.src, dst: io.dst, idx: io.idx, baseIn: io.baseIn, baseOut: io.baseOut }, {
        x, y: x, fn: op.fn, G, M, F, sparse: { idxOff, nU, bInOff: s0 * F, bOutOff: s0 * F },
      }),
    };
  },
  encode(rec, op, a) {
    encodeActivation(rec, singleInputBindings(a), { x: a.xs[0].ref, y: a.y.ref, fn: op.fn, G: a.G, M: a.M, F: a.inShapes[0].reduce((x, y) => x * y, 1) });
  },
};
