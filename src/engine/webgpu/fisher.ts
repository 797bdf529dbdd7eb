/** Dispatcher of shaders/fisher.wgsl: per-sample Fisher form summed per query in blocks of 256. */
import { UniformWords, type Bindings, type FlowRef, type Recorder } from './context.ts';

export interface FisherArgs {
  /** outputs z (off) and tangents ż (toff) [G][M][width] */
  x: FlowRef;
  G: number;
  M: number;
  width: number;
  head: 'regression' | 'classification';
  /** where in dst the G × blocks(M) partial sums go */
  outOff: number;
}

export const fisherBlocks = (M: number): number => Math.ceil(M / 256);

export function encodeFisher(rec: Recorder, bind: Bindings, a: FisherArgs): void {
  const nBlocks = fisherBlocks(a.M);
  const words = new UniformWords()
    .flow(a.x)
    .u32(a.G, a.M, a.width, a.head === 'regression' ? 0 : 1, nBlocks, a.outOff)
    .finish();
  if (rec.ctx.cpuLike) rec.dispatch1D('fisher:main_simple', words, bind, a.G * nBlocks);
  else rec.dispatch('fisher', words, bind, [nBlocks, a.G, 1]);
}
