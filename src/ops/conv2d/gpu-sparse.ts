/** Dispatcher of conv2d-sparse.wgsl (beside it): a conv2d fed by a sparse flow on whole input channels. */
import type { Bindings, Recorder } from '../../engine/webgpu/context.ts';
import { convGeometryWords, sparseInputWords, type ConvGeometry, type SparseInputArgs } from '../../engine/webgpu/op-args.ts';

/**
 * x: [G][M][nC][H][W] on the input channels Cin; y: [G][M][O][OH][OW]; w: [O][C][KH][KW];
 * ΔW and Ẇ on Cin: [G][O][nC][KH][KW]; idxOff: Cin in idx.
 */
export interface Conv2dSparseArgs extends ConvGeometry, SparseInputArgs {
  nC: number;
}

export function encodeConv2dSparse(rec: Recorder, bind: Bindings, a: Conv2dSparseArgs): void {
  const words = sparseInputWords(a);
  const total = convGeometryWords(words, a);
  words.u32(a.nC, a.idxOff, a.bInOff, a.bOutOff);
  rec.dispatch1D('conv2d-sparse', words.finish(), bind, total);
}
