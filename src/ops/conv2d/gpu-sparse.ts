/** Dispatcher of conv2d-sparse.wgsl (beside it): a conv2d fed by a sparse flow on whole input channels. */
import type { Bindings, Recorder } from '../../engine/webgpu/context.ts';
import { inChannelSupport } from '../../engine/webgpu/supports.ts';
import { alignedChannels, isSubset } from '../../engine/index-sets.ts';
import type { SparseRuleArgs, SparseRuleStep } from '../op-def.ts';
import type { Conv2dOp } from './definition.ts';
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

/** A conv reads a change on whole input channels directly when every input channel its patches touch is among them. */
export function conv2dSparseInput(op: Conv2dOp, a: SparseRuleArgs): SparseRuleStep | null {
  const { U, patch, G, M, s0 } = a;
  const [C, H, Wd] = a.inShape;
  const Cin = alignedChannels(U, H * Wd);
  if (!Cin || !isSubset(inChannelSupport(op, a.queries), Cin)) return null;
  const idxOff = a.idx.add(Cin);
  const kk = op.kernel[0] * op.kernel[1];
  const refs = {
    dwd: patch.convChannels(op.weight, op.outChannels, C, kk, Cin, 'delta'),
    dwt: patch.convChannels(op.weight, op.outChannels, C, kk, Cin, 'tangent'),
    bd: op.bias && patch.has(op.bias, 'delta') ? patch.full(op.bias, 'delta') : null,
    bt: a.denseTangent(op.bias),
  };
  const x = a.flowRef(U.length), y = a.flowRef(a.outWidth), w = a.base(op.weight);
  return {
    output: 'dense',
    encode: (rec, io) => encodeConv2dSparse(rec, io, {
      x, y, w, ...refs, G, M, C, H, W: Wd, O: op.outChannels, KH: op.kernel[0], KW: op.kernel[1], SH: op.stride[0], SW: op.stride[1],
      PH: op.padding[0], PW: op.padding[1], nC: Cin.length, idxOff, bInOff: s0 * a.inWidth, bOutOff: s0 * a.outWidth,
    }),
  };
}
