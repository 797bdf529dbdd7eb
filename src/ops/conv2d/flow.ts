/**
 * The CPU engine's sparse rule for conv2d. Conv is bilinear in (x, W): y' − y = conv(d, W') +
 * conv(x_base, ΔW) + Δb. The input change lives on a few channels, the weight patch on a few
 * output channels: only those are computed.
 */
import {
  addArrays, addTo, compactChannels, deltaTensor, gatherChannels, matrixSupport, nonzero, rangeArr, tangentTensor, unionSorted,
  type Flow, type FlowArgs,
} from '../../engine/cpu/flow.ts';
import { channelsCovered, expandChannels } from '../../engine/index-sets.ts';
import { conv2dForward, convOutSize, convShape } from './reference.ts';
import type { Conv2dOp } from './definition.ts';
import type { ParamArray } from '../../engine/types.ts';

export function conv2dFlow(op: Conv2dOp, [flow]: Flow[], ctx: FlowArgs): Flow {
  const n = ctx.n;
  const inShape = ctx.inShapes[0];
  const s = convShape(op, inShape, n);
  const [oh, ow] = convOutSize(s);
  const plane = s.h * s.w;
  const oplane = oh * ow;
  const kk = s.kh * s.kw;
  const W = ctx.params.get(op.weight)!.data;
  const dW = deltaTensor(ctx.query, op.weight);
  const tW = tangentTensor(ctx.query, op.weight);
  const db = op.bias ? deltaTensor(ctx.query, op.bias) : null;
  const tb = op.bias ? tangentTensor(ctx.query, op.bias) : null;
  const inCh = flow.support === null ? rangeArr(s.c) : channelsCovered(flow.support, plane);
  const sW = dW ? matrixSupport(dW, s.o, s.c * kk) : null;
  const sT = tW ? matrixSupport(tW, s.o, s.c * kk) : null;
  const outCh = inCh.length > 0
    ? rangeArr(s.o)
    : (unionSorted([sW?.rows, sT?.rows, nonzero(db), nonzero(tb)], s.o) ?? rangeArr(s.o));
  const xb = ctx.xBase[0];
  const m = outCh.length;
  const diff = new Float64Array(n * m * oplane);
  const tan = new Float64Array(n * m * oplane);
  const addConv = (target: Float64Array, x: Float64Array, xs: Int32Array, weights: ParamArray) =>
    addTo(target, conv2dForward(x, weights, null, s, xs, outCh));
  if (inCh.length > 0) {
    // flow.diff/tan are already compact over whole channel blocks (support is channel-aligned)
    const Wp = dW ? addArrays(W, dW) : W;
    addConv(diff, compactChannels(flow, inCh, plane, 'diff'), inCh, Wp);
    addConv(tan, compactChannels(flow, inCh, plane, 'tan'), inCh, Wp);
  }
  if (dW) {
    const cs = channelsCovered(sW!.cols, kk);
    addConv(diff, gatherChannels(xb, null, cs, s.c, plane, n), cs, dW);
  }
  if (tW) {
    const cs = channelsCovered(sT!.cols, kk);
    addConv(tan, gatherChannels(xb, flow, cs, s.c, plane, n), cs, tW);
  }
  for (const [b, target] of [[db, diff], [tb, tan]] as const) {
    if (!b) continue;
    for (let smp = 0; smp < n; smp++) for (let a = 0; a < m; a++) {
      const off = (smp * m + a) * oplane;
      for (let p = 0; p < oplane; p++) target[off + p] += b[outCh[a]];
    }
  }
  const support = m === s.o ? null : expandChannels(outCh, oplane);
  return { support, diff, tan };
}
