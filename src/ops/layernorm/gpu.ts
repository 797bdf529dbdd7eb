/** Dispatcher of layernorm.wgsl (beside it): LayerNorm over the last axis with its JVP. */
import { singleInputBindings } from '../../engine/webgpu/context.ts';
import { encodeRowNorm } from '../../engine/webgpu/op-args.ts';
import type { GpuOp } from '../op-def.ts';

export const layernormGpu: GpuOp<'layernorm'> = {
  kernels: ['layernorm'],
  sparseInput: null,
  encode(rec, op, a) {
    const inShape = a.inShapes[0];
    const f = inShape[inShape.length - 1];
    encodeRowNorm(rec, 'layernorm', singleInputBindings(a), {
      x: a.xs[0].ref, y: a.y.ref, gamma: a.value(op.weight), beta: a.value(op.bias), dgamma: a.tangent(op.weight), dbeta: a.tangent(op.bias),
      G: a.G, rows: (a.M * inShape.reduce((x, y) => x * y, 1)) / f, f, eps: op.eps,
    });
  },
};
