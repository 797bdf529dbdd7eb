/** The CPU engine's sparse rule for slice, and the re-indexing every data-moving op shares. */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import type { SliceOp } from './definition.ts';

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * A flow moved feature by feature: input feature f lands at output feature `to(f)` (−1: dropped);
 * output features no input reaches do not change. Sparse stays sparse (sorted), dense stays dense.
 */
export function moveFlow(x: Flow, n: number, inF: number, outF: number, to: (f: number) => number): Flow {
  if (x.support === null) {
    const diff = new Float64Array(n * outF), tan = new Float64Array(n * outF);
    for (let f = 0; f < inF; f++) {
      const o = to(f);
      if (o < 0) continue;
      for (let s = 0; s < n; s++) {
        diff[s * outF + o] = x.diff[s * inF + f];
        tan[s * outF + o] = x.tan[s * inF + f];
      }
    }
    return { support: null, diff, tan };
  }
  const m = x.support.length;
  const pairs: [number, number][] = [];
  x.support.forEach((f, k) => {
    const o = to(f);
    if (o >= 0) pairs.push([o, k]);
  });
  pairs.sort((a, b) => a[0] - b[0]);
  const w = pairs.length;
  const support = Int32Array.from(pairs, ([o]) => o);
  const from = Int32Array.from(pairs, ([, k]) => k);
  const diff = new Float64Array(n * w), tan = new Float64Array(n * w);
  const xd = x.diff, xt = x.tan;
  for (let s = 0; s < n; s++) {
    const so = s * w, si = s * m;
    for (let j = 0; j < w; j++) {
      diff[so + j] = xd[si + from[j]];
      tan[so + j] = xt[si + from[j]];
    }
  }
  return { support, diff, tan };
}

export function sliceFlow(op: SliceOp, [x]: Flow[], a: FlowArgs): Flow {
  const shape = a.inShapes[0];
  const F = shape[shape.length - 1], L = op.length;
  return moveFlow(x, a.n, size(shape), size(a.outShape), (f) => {
    const r = Math.floor(f / F), c = f - r * F - op.start;
    return c >= 0 && c < L ? r * L + c : -1;
  });
}
