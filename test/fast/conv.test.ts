/**
 * The f32 WebAssembly SIMD convolution (src/fast/conv.ts, src/fast/conv-kernels.wat) against the
 * convolution by its definition in f64, on shapes that exercise every branch: output channels not a
 * multiple of 16 or 4 (the four-channel tail, padded lanes), an odd number of output positions (the
 * lone last position), stride, padding, input and output channel lists (channels off the lists are
 * neither read nor written), several samples, outputs added to what the arrays hold.
 */
import { describe, expect, it } from 'vitest';
import { WasmConv } from '../../src/fast/conv.ts';
import { convOutSize, type ConvShape } from '../../src/ops/conv2d/reference.ts';
import { macCounter } from '../../src/fast/gemm.ts';
import { createRng } from '../../src/math/random.ts';

/** y[n, oi, r, q] and Σ|w·x| by the definition (x compact over cs, y over os), in f64 */
function reference(x: Float64Array, W: Float64Array, s: ConvShape, cs: number[], os: number[]): { y: Float64Array; mag: Float64Array } {
  const [oh, ow] = convOutSize(s);
  const y = new Float64Array(s.n * os.length * oh * ow);
  const mag = new Float64Array(y.length);
  for (let n = 0; n < s.n; n++) for (let oi = 0; oi < os.length; oi++) for (let r = 0; r < oh; r++) for (let q = 0; q < ow; q++) {
    let acc = 0, m = 0;
    cs.forEach((c, ci) => {
      for (let i = 0; i < s.kh; i++) for (let j = 0; j < s.kw; j++) {
        const yy = r * s.sh - s.ph + i, xx = q * s.sw - s.pw + j;
        if (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) continue;
        const t = W[((os[oi] * s.c + c) * s.kh + i) * s.kw + j] * x[((n * cs.length + ci) * s.h + yy) * s.w + xx];
        acc += t;
        m += Math.abs(t);
      }
    });
    const e = ((n * os.length + oi) * oh + r) * ow + q;
    y[e] = acc;
    mag[e] = m;
  }
  return { y, mag };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('f32 convolution kernel = convolution by the definition', () => {
  const conv = WasmConv.create();
  it('WebAssembly SIMD is available in this runtime', () => expect(conv).not.toBeNull());
  const cases: [string, ConvShape, number[] | null, number[] | null][] = [
    ['32 → 32 channels, 5×5 (16-channel tiles only)', { n: 2, c: 32, h: 12, w: 12, o: 32, kh: 5, kw: 5, sh: 1, sw: 1, ph: 0, pw: 0 }, null, null],
    ['3 → 21 channels, 7×7 outputs (4-channel tail, odd positions)', { n: 1, c: 3, h: 9, w: 9, o: 21, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 }, null, null],
    ['stride 2, padding 1, 2×3 kernel', { n: 3, c: 4, h: 9, w: 8, o: 6, kh: 2, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 }, null, null],
    ['channel lists: 3 of 8 inputs, 5 of 20 outputs', { n: 2, c: 8, h: 7, w: 7, o: 20, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 0 }, [1, 4, 7], [0, 3, 9, 10, 19]],
    ['one output channel (a basis row)', { n: 2, c: 5, h: 6, w: 6, o: 7, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 }, null, [4]],
  ];
  for (const [name, s, cs0, os0] of cases) {
    it(name, () => {
      const rng = createRng(s.c * 100 + s.o);
      const cs = cs0 ?? range(s.c), os = os0 ?? range(s.o);
      // zeros in the input, as ReLU outputs have
      const x = Float64Array.from({ length: s.n * cs.length * s.h * s.w }, () => (rng.next() < 0.3 ? 0 : rng.normal()));
      const W = Float64Array.from({ length: s.o * s.c * s.kh * s.kw }, () => rng.normal());
      const want = reference(x, W, s, cs, os);
      const [oh, ow] = convOutSize(s);
      const plane = s.h * s.w, oplane = oh * ow;
      // each sample full-layout: the listed channels hold x, the others NaN (never read)
      const xs = Array.from({ length: s.n }, (_, n) => {
        const full = new Float64Array(s.c * plane).fill(NaN);
        cs.forEach((c, ci) => full.set(x.subarray((n * cs.length + ci) * plane, (n * cs.length + ci + 1) * plane), c * plane));
        return full;
      });
      const mac0 = macCounter.value;
      // twice: the second call reads the layer weights transposed and kept by the first
      for (const pass of [1, 2]) {
        // outputs start at 1 (added to); channels off the list keep it
        const ys = Array.from({ length: s.n }, () => new Float64Array(s.o * oplane).fill(1));
        conv!.forward(xs, W, s, Int32Array.from(cs), os0 ? Int32Array.from(os) : null, true, ys);
        for (let n = 0; n < s.n; n++) for (let o = 0; o < s.o; o++) for (let p = 0; p < oplane; p++) {
          const got = ys[n][o * oplane + p];
          const oi = os.indexOf(o);
          if (oi < 0) { expect(got).toBe(1); continue; }
          const e = (n * os.length + oi) * oplane + p;
          // f32 operands and sums: a few units of 2^-24 of Σ|w·x| per output
          expect(Math.abs(got - 1 - want.y[e]), `pass ${pass}, entry ${e}`).toBeLessThanOrEqual(1e-5 * want.mag[e] + 1e-12);
        }
      }
      expect(macCounter.value - mac0).toBe(2 * s.n * cs.length * s.kh * s.kw * os.length * oh * ow);
    });
  }
});

describe('f32 scatter of a sparse input = convolution by the definition', () => {
  const conv = WasmConv.create()!;
  const cases: [string, ConvShape, number, number[] | null][] = [
    ['32 → 64 channels, 3×3, 40 entries', { n: 1, c: 32, h: 10, w: 10, o: 64, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 }, 40, null],
    ['5 → 21 channels, 5×5, padding 2, entries on the borders', { n: 1, c: 5, h: 7, w: 6, o: 21, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 }, 30, null],
    ['output rows 2, 5 of 7 (a basis), 2×3 kernel, padding 1 × 0', { n: 1, c: 4, h: 6, w: 6, o: 7, kh: 2, kw: 3, sh: 1, sw: 1, ph: 1, pw: 0 }, 12, [2, 5]],
  ];
  for (const [name, s, n, os0] of cases) {
    it(name, () => {
      const rng = createRng(s.c * 7 + s.o);
      const plane = s.h * s.w;
      const [oh, ow] = convOutSize(s);
      const oplane = oh * ow;
      const os = os0 ?? range(s.o);
      // n distinct entries (corners included), a change and a tangent value at each
      const picked = new Set<number>([0, plane - 1, s.c * plane - 1]);
      while (picked.size < n) picked.add(Math.floor(rng.next() * s.c * plane));
      const idx = Int32Array.from(picked);
      const vd = Float64Array.from(idx, () => rng.normal()), vt = Float64Array.from(idx, () => rng.normal());
      const W = Float64Array.from({ length: s.o * s.c * s.kh * s.kw }, () => rng.normal());
      const xd = new Float64Array(s.c * plane), xt = new Float64Array(s.c * plane);
      idx.forEach((e, k) => { xd[e] = vd[k]; xt[e] = vt[k]; });
      const wantD = reference(xd, W, s, range(s.c), os), wantT = reference(xt, W, s, range(s.c), os);
      const yd = new Float64Array(s.o * oplane).fill(1), yt = new Float64Array(s.o * oplane).fill(1);
      const reached = conv.scatter(idx, vd, vt, idx.length, W, s, os0 ? Int32Array.from(os) : null, !os0, yd, yt);
      const positions = new Set(conv.reachedPositions().subarray(0, reached));
      for (let o = 0; o < s.o; o++) for (let p = 0; p < oplane; p++) {
        const oi = os.indexOf(o);
        if (oi < 0) { expect(yd[o * oplane + p]).toBe(1); continue; }
        const e = oi * oplane + p;
        // a position no tap reaches holds an exact zero by the definition and is not reported
        if (!positions.has(p)) expect(wantD.mag[e] + wantT.mag[e]).toBe(0);
        expect(Math.abs(yd[o * oplane + p] - 1 - wantD.y[e]), `change at ${e}`).toBeLessThanOrEqual(1e-5 * wantD.mag[e] + 1e-12);
        expect(Math.abs(yt[o * oplane + p] - 1 - wantT.y[e]), `tangent at ${e}`).toBeLessThanOrEqual(1e-5 * wantT.mag[e] + 1e-12);
      }
    });
  }
});
