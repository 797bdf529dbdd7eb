/**
 * Conv2d in f64: value and tangent (conv is bilinear in (x, W)), batched over N samples, x N×C×H×W.
 * With channel lists the arrays are compact (the CPU engine's sparse flow uses this).
 */
import type { ReferenceOp } from '../op-def.ts';
import type { ParamArray } from '../../engine/types.ts';
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

const float64Copies = new WeakMap<Float32Array, Float64Array>();
/**
 * The weights as f64 for the kernels: a float32-held weight (an F32/F16/BF16 checkpoint) as an exact
 * f64 copy made once per tensor, so the kernels see one array type (mixed types make V8's loads
 * polymorphic, ~1.6× slower); conv weights are small beside the activations they are applied to.
 */
export function asFloat64(W: ParamArray): Float64Array {
  if (W instanceof Float64Array) return W;
  let c = float64Copies.get(W);
  if (!c) float64Copies.set(W, (c = Float64Array.from(W)));
  return c;
}

/**
 * y[n,o] = Σ_c W[o,c] ⋆ x[n,c] (+ b[o]). With channel lists the arrays are compact: x holds
 * only the channels `inChannels` (in that order) and y only `outChannels` — the sparse
 * engine uses this, since a change confined to a few channels only needs those.
 */
export function conv2dForward(
  x: Arr, weights: ParamArray, b: ParamArray | null, s: ConvShape,
  inChannels: ArrayLike<number> | null = null, outChannels: ArrayLike<number> | null = null,
): Arr {
  const W = asFloat64(weights);
  const [oh, ow] = convOutSize(s);
  // one array type in the kernels whatever the caller passes (mixed types make V8's loads polymorphic: ~1.6× slower)
  const cs = Int32Array.from(inChannels ?? range(s.c));
  const os = Int32Array.from(outChannels ?? range(s.o));
  const y = new Float64Array(s.n * os.length * oh * ow);
  const { kh, kw, sh, sw, ph, pw, h, w } = s;
  const kk = kh * kw;
  // output rows/columns whose whole window lies inside the image: no bounds checks there
  const [yLo, yHi] = insideRange(kh, h, sh, ph, oh);
  const [xLo, xHi] = insideRange(kw, w, sw, pw, ow);
  if (b) for (let n = 0; n < s.n; n++) for (let oi = 0; oi < os.length; oi++) y.fill(b[os[oi]], (n * os.length + oi) * oh * ow, (n * os.length + oi + 1) * oh * ow);
  if (yLo === 0 && yHi === oh && xLo === 0 && xHi === ow) {
    convInterior(x, W, y, s, cs, os, oh, ow);
    return y;
  }
  for (let n = 0; n < s.n; n++) {
    for (let oi = 0; oi < os.length; oi++) {
      const o = os[oi];
      const yo = (n * os.length + oi) * oh * ow;
      for (let ci = 0; ci < cs.length; ci++) {
        const c = cs[ci];
        const xo = (n * cs.length + ci) * h * w;
        const wo = (o * s.c + c) * kk;
        // Each output element sums its window's kernel terms in a register, in the order (i, j) they
        // were always added in, so every sum is bit-identical to a term-by-term loop; zero weights
        // are skipped as before.
        for (let y0 = 0; y0 < oh; y0++) {
          const top = y0 * sh - ph;
          const yrow = yo + y0 * ow;
          const rowInside = y0 >= yLo && y0 < yHi;
          for (let x0 = 0; x0 < ow; x0++) {
            const left = x0 * sw - pw;
            let acc = y[yrow + x0];
            if (rowInside && x0 >= xLo && x0 < xHi) {
              let xi = xo + top * w + left;
              let wi = wo;
              for (let i = 0; i < kh; i++, xi += w) {
                for (let j = 0; j < kw; j++, wi++) {
                  const wv = W[wi];
                  acc += wv * x[xi + j];
                }
              }
            } else {
              for (let i = 0; i < kh; i++) {
                const yy = top + i;
                if (yy < 0 || yy >= h) continue;
                const xrow = xo + yy * w;
                const wrow = wo + i * kw;
                for (let j = 0; j < kw; j++) {
                  const xx = left + j;
                  if (xx < 0 || xx >= w) continue;
                  const wv = W[wrow + j];
                  if (wv !== 0) acc += wv * x[xrow + xx];
                }
              }
            }
            y[yrow + x0] = acc;
          }
        }
      }
    }
  }
  return y;
}

/** dy = conv(dx, W) + conv(x, dW) + db: conv is bilinear in (x, W). */
export function conv2dTangent(x: Arr, dx: MaybeArr, W: ParamArray, dW: MaybeArr, db: MaybeArr, s: ConvShape): Arr {
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
    if (s.sh === 1 && s.sw === 1 && s.ph < s.kh && s.pw < s.kw) return [transposedConv(M, W, s, rows)];
    const [oh, ow] = convOutSize(s);
    const inW = s.c * s.h * s.w;
    const outW = s.o * oh * ow;
    const next = new Float64Array(rows * inW);
    // output positions whose input row/column lies inside the image, per kernel offset (computed once)
    const inside = (k: number, size: number, stride: number, pad: number, out: number): [number, number] => {
      let lo = 0;
      while (lo < out && lo * stride - pad + k < 0) lo++;
      let hi = out;
      while (hi > lo && (hi - 1) * stride - pad + k >= size) hi--;
      return [lo, hi];
    };
    const rowsIn = Array.from({ length: s.kh }, (_, i) => inside(i, s.h, s.sh, s.ph, oh));
    const colsIn = Array.from({ length: s.kw }, (_, j) => inside(j, s.w, s.sw, s.pw, ow));
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < s.o; o++) {
        const go = r * outW + o * oh * ow;
        // a cotangent plane of zeros (a channel the ReLU silenced for this row) adds nothing
        let any = false;
        for (let p = go; p < go + oh * ow && !any; p++) any = M[p] !== 0;
        if (!any) continue;
        for (let c = 0; c < s.c; c++) {
          const xo = r * inW + c * s.h * s.w;
          const wo = (o * s.c + c) * s.kh * s.kw;
          for (let i = 0; i < s.kh; i++) {
            const [ylo, yhi] = rowsIn[i];
            for (let j = 0; j < s.kw; j++) {
              const wv = W[wo + i * s.kw + j];
              if (wv === 0) continue;
              const [xlo, xhi] = colsIn[j];
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

const flippedCopies = new WeakMap<ParamArray, Float64Array>();

/**
 * The VJP of a stride-1 convolution as a convolution: dx[c] = Σ_o flip(W[o, c]) ⋆ M[o] with M padded
 * by k − 1 − pad, so the register-tiled interior kernel does the work (the scattering loop below
 * reached ~0.15 GMAC/s on the MNIST conv net's K-FAC cotangents). Rows are the batch; only the
 * cotangent channels non-zero in some row are read (a channel the ReLU silenced adds nothing).
 */
function transposedConv(M: Arr, weights: ParamArray, s: ConvShape, rows: number): Arr {
  const { c: C, o: O, kh, kw } = s;
  const [oh, ow] = convOutSize(s);
  const kk = kh * kw;
  let Wf = flippedCopies.get(weights);
  if (!Wf) {
    // Wf[c, o, i, j] = W[o, c, kh-1-i, kw-1-j]
    Wf = new Float64Array(O * C * kk);
    for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let e = 0; e < kk; e++) Wf[(c * O + o) * kk + (kk - 1 - e)] = weights[(o * C + c) * kk + e];
    flippedCopies.set(weights, Wf);
  }
  const plane = oh * ow;
  const outW = O * plane;
  const live: number[] = [];
  for (let o = 0; o < O; o++) {
    let any = false;
    for (let r = 0; r < rows && !any; r++) for (let p = r * outW + o * plane; p < r * outW + (o + 1) * plane; p++) if (M[p] !== 0) { any = true; break; }
    if (any) live.push(o);
  }
  if (live.length === 0) return new Float64Array(rows * C * s.h * s.w);
  const py = kh - 1 - s.ph, px = kw - 1 - s.pw;
  const Hp = oh + 2 * py, Wp = ow + 2 * px;
  const padded = new Float64Array(rows * live.length * Hp * Wp);
  for (let r = 0; r < rows; r++) live.forEach((o, a) => {
    for (let y = 0; y < oh; y++) {
      const src = r * outW + o * plane + y * ow;
      padded.set(M.subarray(src, src + ow), ((r * live.length + a) * Hp + y + py) * Wp + px);
    }
  });
  return conv2dForward(padded, Wf, null, { n: rows, c: O, h: Hp, w: Wp, o: C, kh, kw, sh: 1, sw: 1, ph: 0, pw: 0 }, live, null);
}

function addInto(a: Arr, b: Arr): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/**
 * conv2dForward when every output's window lies inside the image (no padding reaches it): four
 * output channels × two output columns per pass keep eight sums in registers and share each loaded
 * input. Every output still sums its terms in the order (channel, kernel row, kernel column), the
 * order of the bounds-checked loop, so the values are the same to the bit (up to the sign of an
 * exact zero: zero weights are added rather than skipped).
 */
function convInterior(
  x: Arr, W: Arr, y: Arr, s: ConvShape, cs: Int32Array, os: Int32Array, oh: number, ow: number,
): void {
  const { kh, kw, sh, sw, h, w } = s;
  const kk = kh * kw;
  const nc = cs.length;
  const no = os.length;
  const plane = h * w;
  const oplane = oh * ow;
  const wStride = s.c * kk;
  for (let n = 0; n < s.n; n++) {
    const xn = n * nc * plane;
    for (let oi = 0; oi < no; oi += 4) {
      const t = Math.min(4, no - oi);
      // fewer than four channels left: repeat the last one (its sums are stored once)
      const w0 = os[oi] * wStride, w1 = os[oi + Math.min(1, t - 1)] * wStride;
      const w2 = os[oi + Math.min(2, t - 1)] * wStride, w3 = os[oi + t - 1] * wStride;
      const y0 = (n * no + oi) * oplane;
      const y1 = y0 + Math.min(1, t - 1) * oplane, y2 = y0 + Math.min(2, t - 1) * oplane, y3 = y0 + (t - 1) * oplane;
      for (let r = 0; r < oh; r++) {
        const xr = xn + r * sh * w;
        for (let q = 0; q < ow; q += 2) {
          const two = q + 1 < ow;
          const p = r * ow + q;
          const dq = two ? sw : 0; // one column left: the second column repeats it
          let a00 = y[y0 + p], a10 = y[y1 + p], a20 = y[y2 + p], a30 = y[y3 + p];
          let a01 = two ? y[y0 + p + 1] : 0, a11 = two ? y[y1 + p + 1] : 0;
          let a21 = two ? y[y2 + p + 1] : 0, a31 = two ? y[y3 + p + 1] : 0;
          for (let ci = 0; ci < nc; ci++) {
            const xc = xr + ci * plane + q * sw;
            const wc = cs[ci] * kk;
            for (let i = 0; i < kh; i++) {
              const xi = xc + i * w;
              const wi = wc + i * kw;
              for (let j = 0; j < kw; j++) {
                const u = x[xi + j], v = x[xi + j + dq];
                const k0 = W[w0 + wi + j], k1 = W[w1 + wi + j], k2 = W[w2 + wi + j], k3 = W[w3 + wi + j];
                a00 += k0 * u; a01 += k0 * v;
                a10 += k1 * u; a11 += k1 * v;
                a20 += k2 * u; a21 += k2 * v;
                a30 += k3 * u; a31 += k3 * v;
              }
            }
          }
          y[y0 + p] = a00; y[y1 + p] = a10; y[y2 + p] = a20; y[y3 + p] = a30;
          if (two) { y[y0 + p + 1] = a01; y[y1 + p + 1] = a11; y[y2 + p + 1] = a21; y[y3 + p + 1] = a31; }
        }
      }
    }
  }
}

/** [lo, hi): the outputs whose whole window (k taps, stride, pad) lies inside an axis of `size` */
function insideRange(k: number, size: number, stride: number, pad: number, out: number): [number, number] {
  let lo = 0;
  while (lo < out && lo * stride - pad < 0) lo++;
  let hi = out;
  while (hi > lo && (hi - 1) * stride - pad + k > size) hi--;
  return [lo, hi];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
