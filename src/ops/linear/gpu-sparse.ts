/** Dispatcher of linear-sparse.wgsl (beside it): a linear layer fed by a sparse flow (change on U). */
import type { Bindings, Recorder } from '../../engine/webgpu/context.ts';
import { colSupport } from '../../engine/webgpu/supports.ts';
import { isSubset } from '../../engine/index-sets.ts';
import type { SparseRuleArgs, SparseRuleStep } from '../op-def.ts';
import { isPlainLinear, type LinearOp } from './definition.ts';
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

/**
 * A linear layer reads a change on U directly when every column its patches touch is in U; the
 * kernel is written for [out, in] on the flattened input (other layouts densify first).
 */
export function linearSparseInput(op: LinearOp, a: SparseRuleArgs): SparseRuleStep | null {
  const { U, patch, G, M, s0 } = a;
  if (!isPlainLinear(op)) return null;
  if (!isSubset(colSupport(op, a.queries), U)) return null;
  const nU = U.length, idxOff = a.idx.add(U);
  const refs = {
    dwd: patch.cols(op.weight, op.outFeatures, op.inFeatures, U, 'delta'),
    dwt: patch.cols(op.weight, op.outFeatures, op.inFeatures, U, 'tangent'),
    bd: op.bias && patch.has(op.bias, 'delta') ? patch.full(op.bias, 'delta') : null,
    bt: a.denseTangent(op.bias),
  };
  const x = a.flowRef(nU), y = a.flowRef(a.outWidth), w = a.base(op.weight);
  return {
    output: 'dense',
    encode: (rec, io) => encodeLinearSparse(rec, io, {
      x, y, w, ...refs, M, G, inF: op.inFeatures, outF: op.outFeatures, nU, idxOff, bInOff: s0 * a.inWidth, bOutOff: s0 * a.outWidth,
    }),
  };
}
