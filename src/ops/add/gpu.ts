/** Dispatcher of add.wgsl (beside it): y = a + b with its tangent; b travels in the `baseIn` binding. */
import { encodePointwiseFlows } from '../../engine/webgpu/op-args.ts';
import type { GpuOp } from '../op-def.ts';

export const addGpu: GpuOp<'add'> = {
  kernels: ['add'],
  sparseInput: null,
  encode: (rec, _op, a) => encodePointwiseFlows(rec, 'add', a),
};
