/** Dispatcher of linear.wgsl (beside it): tiled y = x·Wᵀ + b with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from '../../engine/webgpu/context.ts';
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';
import { linearSparseInput } from './gpu-sparse.ts';
import { linearPositions, linearStrides, type LinearStrides } from './definition.ts';

export interface LinearArgs {
  x: FlowRef;
  y: FlowRef;
  w: ParamRef;
  b: ParamRef;
  dw: ParamRef;
  db: ParamRef;
  /** samples per query */
  M: number;
  /** queries */
  G: number;
  inF: number;
  outF: number;
  /** stored layout of w and dw (linearStrides); absent = [outF, inF] */
  strides?: LinearStrides;
}

export function encodeLinear(rec: Recorder, bind: Bindings, a: LinearArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.w).ref(a.b).ref(a.dw).ref(a.db)
    .u32(a.M, a.inF, a.outF, a.G)
    .u32(...strideWords(a.strides ?? { block: a.outF, blockStride: 0, outStride: a.inF, inStride: 1 }))
    .finish();
  if (rec.ctx.cpuLike) rec.dispatch1D('linear:main_simple', words, bind, a.G * a.M * a.outF);
  else rec.dispatch('linear', words, bind, [Math.ceil(a.outF / 16), Math.ceil(a.M / 16), a.G]);
}

const strideWords = (s: LinearStrides): [number, number, number, number] => [s.block, s.blockStride, s.outStride, s.inStride];

/** The linear op's WebGPU part: dense encoder; the sparse-input kernel is used by the engine's sparse plan. */
export const linearGpu: GpuOp<'linear'> = {
  kernels: ['linear', 'linear-sparse'],
  sparseInput: linearSparseInput,
  encode(rec, op, a) {
    encodeLinear(rec, singleInputBindings(a), {
      x: a.xs[0].ref, y: a.y.ref, w: a.value(op.weight), b: a.value(op.bias), dw: a.tangent(op.weight), db: a.tangent(op.bias),
      // positionwise: the M samples × T positions are M·T rows of the same map
      M: a.M * linearPositions(op, a.inShapes[0]), G: a.G, inF: op.inFeatures, outF: op.outFeatures, strides: linearStrides(op),
    });
  },
};
