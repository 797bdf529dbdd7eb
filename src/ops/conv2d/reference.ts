/**
 * Conv2d in f64: value and tangent (conv is bilinear in (x, W)), batched over N samples, x N×C×H×W.
 * With channel lists the arrays are compact (the CPU engine's sparse flow uses this).
 */
import type { ReferenceOp } from '../op-def.ts';
import type { Conv2dOp } from './definition.ts';
import { param, patchOf } from '../reference-args.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

export interface ConvShape {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number;
}
export const convOutSize = (s: ConvShape): [number, number] => [
  Math.floor((s.h + 2 * s.ph - s.kh) / s.sh) + 1,
  Math.floor((s.w + 2 * s.pw - s.kw) / s.sw) + 1,
];

/**
 * y[n,o] = Σ_c W[o,c] ⋆ x[n,c] (+ b[o]). With channel lists the arrays are compact: x holds
 * only the channels `inChannels` (in that order) and y only `outChannels` — the sparse
 * engine uses this, since a change confined to a few channels only needs those.
 */
export function conv2dForward(
  x: Arr, W: Arr, b: MaybeArr, s: ConvShape,
  inChannels: ArrayLike<number> | null = null, outChannels: ArrayLike<number> | null = null,
): Arr {
  const [oh, ow] = convOutSize(s);
  const cs = inChannels ?? range(s.c);
  const os = outChannels ?? range(s.o);
  const y = new Float64Array(s.n * os.length * oh * ow);
  for (let n = 0; n < s.n; n++) {
    for (let oi = 0; oi < os.length; oi++) {
      const o = os[oi];
      const yo = (n * os.length + oi) * oh * ow;
      if (b) for (let p = 0; p < oh * ow; p++) y[yo + p] = b[o];
      for (let ci = 0; ci < cs.length; ci++) {
        const c = cs[ci];
        const xo = (n * cs.length + ci) * s.h * s.w;
        const wo = (o * s.c + c) * s.kh * s.kw;
        for (let i = 0; i < s.kh; i++) {
          for (let j = 0; j < s.kw; j++) {
            const wv = W[wo + i * s.kw + j];
            if (wv === 0) continue;
            for (let y0 = 0; y0 < oh; y0++) {
              const yy = y0 * s.sh - s.ph + i;
              if (yy < 0 || yy >= s.h) continue;
              const xrow = xo + yy * s.w;
              const yrow = yo + y0 * ow;
              for (let x0 = 0; x0 < ow; x0++) {
                const xx = x0 * s.sw - s.pw + j;
                if (xx < 0 || xx >= s.w) continue;
                y[yrow + x0] += wv * x[xrow + xx];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/** dy = conv(dx, W) + conv(x, dW) + db: conv is bilinear in (x, W). */
export function conv2dTangent(x: Arr, dx: MaybeArr, W: Arr, dW: MaybeArr, db: MaybeArr, s: ConvShape): Arr {
  const [oh, ow] = convOutSize(s);
  const dy = new Float64Array(s.n * s.o * oh * ow);
  if (dx) addInto(dy, conv2dForward(dx, W, null, s));
  if (dW) addInto(dy, conv2dForward(x, dW, null, s));
  if (db) for (let n = 0; n < s.n; n++) for (let o = 0; o < s.o; o++) {
    const off = (n * s.o + o) * oh * ow;
    for (let p = 0; p < oh * ow; p++) dy[off + p] += db[o];
  }
  return dy;
}

export function convShape(op: Conv2dOp, inShape: number[], n: number): ConvShape {
  return {
    n, c: inShape[0], h: inShape[1], w: inShape[2], o: op.outChannels,
    kh: op.kernel[0], kw: op.kernel[1], sh: op.stride[0], sw: op.stride[1], ph: op.padding[0], pw: op.padding[1],
  };
}

export const conv2dReference: ReferenceOp<'conv2d'> = {
  forward(op, { n, inShapes: [inShape], params, xs: [x], dxs: [dx], tangent }) {
    const s = convShape(op, inShape, n);
    const W = param(params, op.weight)!;
    const y = conv2dForward(x, W, param(params, op.bias), s);
    const dy = dx || tangent ? conv2dTangent(x, dx, W, patchOf(tangent, op.weight), patchOf(tangent, op.bias), s) : null;
    return { y, dy };
  },
  /** cotangent rows (R × O·oh·ow) → (R × C·H·W): the transposed convolution, for K-FAC through a conv */
  vjp(op, { params, inShapes: [inShape], rows, cotangent: M }) {
    const s = convShape(op, inShape, 1);
    const W = param(params, op.weight)!;
    const [oh, ow] = convOutSize(s);
    const inW = s.c * s.h * s.w;
    const outW = s.o * oh * ow;
    const next = new Float64Array(rows * inW);
    // output positions whose input row/column lies inside the image, per kernel offset
    const inside = (k: number, size: number, stride: number, pad: number, out: number): [number, number] => {
      let lo = 0;
      while (lo < out && lo * stride - pad + k < 0) lo++;
      let hi = out;
      while (hi > lo && (hi - 1) * stride - pad + k >= size) hi--;
      return [lo, hi];
    };
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < s.o; o++) {
        const go = r * outW + o * oh * ow;
        for (let c = 0; c < s.c; c++) {
          const xo = r * inW + c * s.h * s.w;
          const wo = (o * s.c + c) * s.kh * s.kw;
          for (let i = 0; i < s.kh; i++) {
            const [ylo, yhi] = inside(i, s.h, s.sh, s.ph, oh);
            for (let j = 0; j < s.kw; j++) {
              const wv = W[wo + i * s.kw + j];
              if (wv === 0) continue;
              const [xlo, xhi] = inside(j, s.w, s.sw, s.pw, ow);
              for (let y0 = ylo; y0 < yhi; y0++) {
                const xrow = xo + (y0 * s.sh - s.ph + i) * s.w - s.pw + j;
                const grow = go + y0 * ow;
                for (let x0 = xlo; x0 < xhi; x0++) next[xrow + x0 * s.sw] += wv * M[grow + x0];
              }
            }
          }
        }
      }
    }
    return [next];
  },
};

function addInto(a: Arr, b: Arr): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
