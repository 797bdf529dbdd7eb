/**
 * Dispatcher of shaders/fisher.wgsl: the per-sample Fisher form summed per query in blocks of
 * 256 samples, in log space. Each block writes (max log F_s, Σ exp(log F_s − max)); `blockSum`
 * turns those pairs back into F in f64, with f64's range (a confident classifier's F can be far
 * below f32's smallest number).
 */
import type { Head } from '../types.ts';
import { UniformWords, type Bindings, type FlowRef, type Recorder } from './context.ts';

export interface FisherArgs {
  /** outputs z (off) and tangents ż (toff) [G][M][width] */
  x: FlowRef;
  G: number;
  M: number;
  width: number;
  head: Head;
  /** where in dst the G × blocks(M) × 2 partials go */
  outOff: number;
}

/** the kernel's `head` word */
const HEAD_CODE: Record<Head, number> = { regression: 0, classification: 1, logits: 2 };

export const fisherBlocks = (M: number): number => Math.ceil(M / 256);

/** log 0 in the kernel's output */
export const NEG_BIG = -1e30;

/** Σ over blocks of exp(max)·sum, in f64: the partial sums of query g. */
export function blockSum(part: ArrayLike<number>, g: number, nBlocks: number): number {
  let s = 0;
  for (let b = 0; b < nBlocks; b++) {
    const k = 2 * (g * nBlocks + b);
    if (part[k] <= NEG_BIG) continue;
    s += Math.exp(part[k]) * part[k + 1];
  }
  return s;
}

export function encodeFisher(rec: Recorder, bind: Bindings, a: FisherArgs): void {
  const nBlocks = fisherBlocks(a.M);
  const words = new UniformWords()
    .flow(a.x)
    .u32(a.G, a.M, a.width, HEAD_CODE[a.head], nBlocks, a.outOff)
    .finish();
  if (rec.ctx.cpuLike) rec.dispatch1D('fisher:main_simple', words, bind, a.G * nBlocks);
  else rec.dispatch('fisher', words, bind, [nBlocks, a.G, 1]);
}
