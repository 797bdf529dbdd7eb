/** The CPU engine's sparse rule for max-pooling: per channel, only the changed channels are pooled again. Dense for a dense change. */
import { type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { channelsCovered, expandChannels } from '../../engine/index-sets.ts';
import type { MaxPoolOp } from './definition.ts';

export function maxpoolFlow(op: MaxPoolOp, [flow]: Flow[], ctx: FlowArgs): Flow | null {
  if (flow.support === null) return null;
  const n = ctx.n;
  const [c, h, w] = ctx.inShapes[0];
  const [, oh, ow] = ctx.outShape;
  const plane = h * w;
  const oplane = oh * ow;
  const S = flow.support!;
  const channels = channelsCovered(S, plane);
  const m = S.length; // channel-aligned: channels.length × plane
  const outM = channels.length * oplane;
  const xb = ctx.xBase[0];
  const yb = ctx.yBase;
  const diff = new Float64Array(n * outM);
  const tan = new Float64Array(n * outM);
  for (let s = 0; s < n; s++) {
    for (let a = 0; a < channels.length; a++) {
      const ch = channels[a];
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < op.kernel; ky++) for (let kx = 0; kx < op.kernel; kx++) {
          const p = (oy * op.stride + ky) * w + (ox * op.stride + kx);
          const val = xb[s * c * plane + ch * plane + p] + flow.diff[s * m + a * plane + p];
          if (val > best || at < 0) { best = val; at = p; }
        }
        const o = a * oplane + oy * ow + ox;
        diff[s * outM + o] = best - yb[s * c * oplane + ch * oplane + oy * ow + ox];
        tan[s * outM + o] = flow.tan[s * m + a * plane + at];
      }
    }
  }
  return { support: expandChannels(channels, oplane), diff, tan };
}
