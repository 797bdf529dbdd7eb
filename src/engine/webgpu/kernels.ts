/** Every WGSL kernel the WebGPU engine compiles: its own (shaders/) and each op's (src/ops/<kind>/). */
import { OPS } from '../../ops/registry.ts';
import { OP_KINDS } from '../../ops/definitions.ts';

export const ENGINE_KERNELS = ['densify', 'fisher'] as const;
export const KERNELS: readonly string[] = [...ENGINE_KERNELS, ...OP_KINDS.flatMap((k) => OPS[k].gpu.kernels)];
