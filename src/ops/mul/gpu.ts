/** Dispatcher of mul.wgsl (beside it): y = a ⊙ b with its tangent; b travels in the `baseIn` binding. */
import { encodePointwiseFlows } from '../../engine/webgpu/op-args.ts';
import type { GpuOp } from '../op-def.ts';

export const mulGpu: GpuOp<'mul'> = {
  kernels: ['mul'],
  sparseInput: null,
  encode: (rec, _op, a) => encodePointwiseFlows(rec, 'mul', a),
};
