/** Max pooling in f64: value and the tangent of the winning input (first maximum wins). */
import type { ReferenceOp } from '../op-def.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

export interface PoolShape { n: number; c: number; h: number; w: number; k: number; stride: number }
export const poolOutSize = (s: PoolShape): [number, number] => [
  Math.floor((s.h - s.k) / s.stride) + 1,
  Math.floor((s.w - s.k) / s.stride) + 1,
];

/** Max pooling; `argmax` holds the flat input index each output took (first maximum wins). */
export function maxpoolForward(x: Arr, s: PoolShape): { y: Arr; argmax: Int32Array } {
  const [oh, ow] = poolOutSize(s);
  const y = new Float64Array(s.n * s.c * oh * ow);
  const argmax = new Int32Array(y.length);
  for (let nc = 0; nc < s.n * s.c; nc++) {
    const xo = nc * s.h * s.w;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let best = -Infinity;
      let at = -1;
      for (let a = 0; a < s.k; a++) for (let b = 0; b < s.k; b++) {
        const idx = xo + (i * s.stride + a) * s.w + (j * s.stride + b);
        if (x[idx] > best || at < 0) { best = x[idx]; at = idx; }
      }
      const o = (nc * oh + i) * ow + j;
      y[o] = best;
      argmax[o] = at;
    }
  }
  return { y, argmax };
}

/** The tangent of max pooling routes the tangent of the winning input. */
export function maxpoolTangent(dx: Arr, argmax: Int32Array): Arr {
  const dy = new Float64Array(argmax.length);
  for (let i = 0; i < argmax.length; i++) dy[i] = dx[argmax[i]];
  return dy;
}

export const maxpoolReference: ReferenceOp<'maxpool'> = {
  forward(op, { n, inShapes: [[c, h, w]], xs: [x], dxs: [dx], tangent }) {
    const { y, argmax } = maxpoolForward(x, { n, c, h, w, k: op.kernel, stride: op.stride });
    return { y, dy: dx ? maxpoolTangent(dx, argmax) : tangent ? new Float64Array(y.length) : null };
  },
  /** each output's cotangent goes to its winning input */
  vjp(op, { inShapes: [[c, h, w]], xs: [x], rows, cotangent: M }) {
    const { argmax } = maxpoolForward(x, { n: 1, c, h, w, k: op.kernel, stride: op.stride });
    const inW = c * h * w;
    const next = new Float64Array(rows * inW);
    for (let r = 0; r < rows; r++) for (let o = 0; o < argmax.length; o++) next[r * inW + argmax[o]] += M[r * argmax.length + o];
    return [next];
  },
};
