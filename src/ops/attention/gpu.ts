/** Dispatcher of attention.wgsl (beside it): q in `src`, k in `baseIn`, v in `baseOut`, one invocation per output row. */
import { UniformWords } from '../../engine/webgpu/context.ts';
import type { GpuOp } from '../op-def.ts';

/** The widest head the kernel holds in its per-row arrays (MAXDH in attention.wgsl). */
export const MAX_GPU_HEAD_DIM = 256;

export const attentionGpu: GpuOp<'attention'> = {
  kernels: ['attention'],
  sparseInput: null,
  encode(rec, op, a) {
    if (op.headDim > MAX_GPU_HEAD_DIM) throw new Error(`attention heads wider than ${MAX_GPU_HEAD_DIM} are not supported on the GPU (${op.layer || 'attention'} has ${op.headDim}); use the CPU engine`);
    const T = a.inShapes[0][0];
    const [q, k, v] = a.xs;
    const words = new UniformWords()
      .flow(q.ref).flow(k.ref).flow(v.ref).flow(a.y.ref)
      .u32(a.G, a.M, T, op.heads, op.kvHeads, op.headDim, op.causal ? 1 : 0, op.rotary?.dims ?? 0, op.rotary?.convention === 'interleaved' ? 1 : 0)
      .f32(op.scale).f32(op.rotary ? Math.log2(op.rotary.base) : 0)
      .finish();
    rec.dispatch1D('attention', words, { src: q.buffer, baseIn: k.buffer, baseOut: v.buffer, dst: a.y.buffer }, a.G * a.M * op.heads * T);
  },
};
