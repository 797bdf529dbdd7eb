/** Dispatcher of scale.wgsl (beside it): x ⊙ γ on the last axis with its tangent. */
import { encodePointwiseTensor } from '../../engine/webgpu/op-args.ts';
import type { GpuOp } from '../op-def.ts';

export const scaleGpu: GpuOp<'scale'> = {
  kernels: ['scale'],
  sparseInput: null,
  encode(rec, op, a) {
    const shape = a.inShapes[0];
    encodePointwiseTensor(rec, 'scale', a, op.weight, shape[shape.length - 1]);
  },
};
