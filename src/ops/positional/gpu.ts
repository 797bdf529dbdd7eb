/** Dispatcher of positional.wgsl (beside it): x + P[0:T] with its tangent. */
import { encodePointwiseTensor } from '../../engine/webgpu/op-args.ts';
import type { GpuOp } from '../op-def.ts';

export const positionalGpu: GpuOp<'positional'> = {
  kernels: ['positional'],
  sparseInput: null,
  encode(rec, op, a) {
    const [T, D] = a.inShapes[0];
    encodePointwiseTensor(rec, 'positional', a, op.weight, T * D);
  },
};
