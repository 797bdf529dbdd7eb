/** Dispatcher of linear-sparse.wgsl (beside it): a linear layer fed by a sparse flow (change on U). */
import type { Bindings, Recorder } from '../../engine/webgpu/context.ts';
import { sparseInputWords, type SparseInputArgs } from '../../engine/webgpu/op-args.ts';

/**
 * x: [G][M][nU] on the features U; y: [G][M][outF]; w: [outF][inF]; ΔW and Ẇ on the columns U:
 * [G][outF][nU]; idxOff: U in idx.
 */
export interface LinearSparseArgs extends SparseInputArgs {
  M: number;
  G: number;
  inF: number;
  outF: number;
  nU: number;
}

export function encodeLinearSparse(rec: Recorder, bind: Bindings, a: LinearSparseArgs): void {
  const words = sparseInputWords(a)
    .u32(a.M, a.inF, a.outF, a.G, a.nU, a.idxOff, a.bInOff, a.bOutOff)
    .finish();
  rec.dispatch1D('linear-sparse', words, bind, a.G * a.M * a.outF);
}
