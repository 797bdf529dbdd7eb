/** The CPU engine's sparse rule for BatchNorm (eval): a per-channel affine map keeps the change's support. Dense when its own tensors move. */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import type { BatchNormOp } from './definition.ts';

export function batchnormFlow(op: BatchNormOp, [flow]: Flow[], ctx: FlowArgs): Flow | null {
  if (ctx.touched) return null;
  const n = ctx.n;
  const shape = ctx.inShapes[0];
  const plane = shape.reduce((x, y) => x * y, 1) / shape[0];
  const g = (op.weight ? ctx.params.get(op.weight)!.data : null);
  const v = ctx.params.get(op.runningVar)!.data;
  const S = flow.support;
  const m = S === null ? shape.reduce((x, y) => x * y, 1) : S.length;
  const scale = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const ch = Math.floor((S === null ? a : S[a]) / plane);
    scale[a] = (g ? g[ch] : 1) / Math.sqrt(v[ch] + op.eps);
  }
  const diff = new Float64Array(n * m);
  const tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) for (let a = 0; a < m; a++) {
    diff[s * m + a] = scale[a] * flow.diff[s * m + a];
    tan[s * m + a] = scale[a] * flow.tan[s * m + a];
  }
  return { support: S, diff, tan };
}
