/** The CPU engine's sparse rule for take: the input's change on row t, re-indexed to [0, D). */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import { takePosition, type TakeOp } from './definition.ts';

export function takeFlow(op: TakeOp, [x]: Flow[], a: FlowArgs): Flow {
  const [T, D] = a.inShapes[0];
  const t = takePosition(op, T);
  const n = a.n;
  const lo = t * D, hi = lo + D;
  if (x.support === null) {
    const diff = new Float64Array(n * D), tan = new Float64Array(n * D);
    for (let s = 0; s < n; s++) {
      diff.set(x.diff.subarray(s * T * D + lo, s * T * D + hi), s * D);
      tan.set(x.tan.subarray(s * T * D + lo, s * T * D + hi), s * D);
    }
    return { support: null, diff, tan };
  }
  const keep: number[] = [];
  x.support.forEach((f, k) => {
    if (f >= lo && f < hi) keep.push(k);
  });
  const m = x.support.length, w = keep.length;
  const support = Int32Array.from(keep, (k) => x.support![k] - lo);
  const diff = new Float64Array(n * w), tan = new Float64Array(n * w);
  for (let s = 0; s < n; s++) keep.forEach((k, j) => {
    diff[s * w + j] = x.diff[s * m + k];
    tan[s * w + j] = x.tan[s * m + k];
  });
  return { support, diff, tan };
}
