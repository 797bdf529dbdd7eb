/** Flatten on the GPU: no kernel, the output aliases the input buffer (the layout is already flat). */
import type { GpuOp } from '../op-def.ts';

export const flattenGpu: GpuOp<'flatten'> = { kernels: [], encode: null, sparseInput: null };
