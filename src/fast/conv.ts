/**
 * The pattern scan's convolution in f32 (its fast mode): the WebAssembly SIMD kernel of
 * src/fast/conv-kernels.wat: `conv2dForward` on listed input and output channels (no bias, f64 in and
 * out), each sample read from and added into the caller's full-layout arrays. The f64 reference mode keeps `conv2dForward`. Layer weights, as held
 * (float32 or f64), are transposed to output-channel-innermost f32 once per tensor and kept in the kernel's memory; a patch basis
 * (restricted to its non-zero rows where it has few) once per direction.
 */
import { CONV_KERNELS_WASM_BASE64 } from './conv-kernels-wasm.ts';
import { ensureBytes, wasmModule } from './kernel-module.ts';
import { macCounter } from './gemm.ts';
import { convOutSize, type ConvShape } from '../ops/conv2d/reference.ts';
import type { ParamArray } from '../engine/types.ts';

interface ConvExports {
  memory: WebAssembly.Memory;
  conv(x: number, plane: number, Wp: number, chans: number, nC: number, Wt: number, Opad: number, kh: number, kw: number, pos: number, P: number, y: number): void;
  scatter(idx: number, vd: number, vt: number, n: number, Wt: number, Opad: number, plane: number, w: number, kh: number, kw: number,
    ph: number, pw: number, oh: number, ow: number, yd: number, yt: number): number;
}


export class WasmConv {
  private readonly k: ConvExports;
  /** end of the cached layer weights; above it the current direction's bases (up to `held`), then each call's scratch */
  private kept = 0;
  private held = 0;
  private top = 0;
  private readonly weights = new Map<ParamArray, number>();
  /** the current direction's transposed bases (a basis is used at every sample of its direction) */
  private readonly bases = new Map<ParamArray, { os: Int32Array | null; at: number }[]>();
  /** scatter's output positions reached (`reached` of them), and their marks (all zero between calls) */
  private positions = new Int32Array(0);
  private positionMark = new Uint8Array(0);

  /** null where WebAssembly SIMD is missing (the caller then stays in f64) */
  static create(): WasmConv | null {
    const m = wasmModule(CONV_KERNELS_WASM_BASE64);
    return m ? new WasmConv(m) : null;
  }

  private constructor(m: WebAssembly.Module) {
    this.k = new WebAssembly.Instance(m, {}).exports as unknown as ConvExports;
  }

  /** room for `bytes` (16-byte aligned) above the top; returns its byte offset */
  private alloc(bytes: number): number {
    const at = this.top;
    this.top = at + ((bytes + 15) & ~15);
    ensureBytes(this.k.memory, this.top);
    return at;
  }

  /** Forgets the bases kept since the last call (the caller's direction is done). */
  releaseBases(): void {
    this.bases.clear();
    this.held = this.top = this.kept;
  }

  /**
   * W's rows `os` (all when null) as f32 [c][kh][kw][Opad] at the returned byte offset: a layer's
   * weights kept for the read, a basis (rows `os`, the same at every call of its direction) until
   * `releaseBases`.
   */
  private transposed(W: ParamArray, s: ConvShape, os: Int32Array | null, Opad: number, layer: boolean): number {
    const cached = layer ? this.weights.get(W) : this.bases.get(W)?.find((b) => b.os === os)?.at;
    if (cached !== undefined) return cached;
    // a layer's weights go below the bases: drop these (they are transposed again on their next use)
    if (layer) this.releaseBases();
    const kk = s.kh * s.kw;
    const rows = os ? os.length : s.o;
    const at = this.alloc(s.c * kk * Opad * 4);
    const t = new Float32Array(this.k.memory.buffer, at, s.c * kk * Opad);
    t.fill(0);
    const wo = s.c * kk;
    for (let r = 0; r < rows; r++) {
      const base = (os ? os[r] : r) * wo;
      for (let e = 0; e < wo; e++) t[e * Opad + r] = W[base + e];
    }
    if (layer) {
      this.kept = this.held = this.top;
      this.weights.set(W, at);
    } else {
      this.held = this.top;
      const list = this.bases.get(W);
      if (list) list.push({ os, at }); else this.bases.set(W, [{ os, at }]);
    }
    return at;
  }

  /**
   * ys[n][o] += Σ_ci W[o, cs[ci]] ⋆ xs[n][cs[ci]] for o in `os` (every output channel when null),
   * computed in f32: `conv2dForward` on the listed channels. xs[n] is one sample [s.c][h][w] (channels
   * outside `cs` are not read), ys[n] one sample [s.o][oh][ow]. `layer`: W is a layer's weights (its
   * transposed copy stays in the kernel's memory for the read); else a direction's basis whose rows
   * `os` are the same at every call until `releaseBases`.
   */
  forward(xs: readonly Float64Array[], W: ParamArray, s: ConvShape, cs: Int32Array, os: Int32Array | null, layer: boolean, ys: readonly Float64Array[]): void {
    const { kh, kw, sh, sw, ph, pw, h, w } = s;
    const [oh, ow] = convOutSize(s);
    const P = oh * ow;
    const no = os ? os.length : s.o;
    const Opad = (no + 3) & ~3;
    const nC = cs.length;
    if (nC === 0 || no === 0) return;
    const Wt = this.transposed(W, s, os, Opad, layer);
    const kk = kh * kw;
    const Hp = h + 2 * ph, Wp = w + 2 * pw, plane = Hp * Wp;
    const chans = this.alloc(nC * 4);
    const pos = this.alloc(P * 4);
    const xAt = this.alloc(nC * plane * 4);
    const yAt = this.alloc(Opad * P * 4);
    const buf = this.k.memory.buffer;
    const ch = new Int32Array(buf, chans, nC);
    for (let ci = 0; ci < nC; ci++) ch[ci] = cs[ci] * kk * Opad * 4;
    const ps = new Int32Array(buf, pos, P);
    for (let r = 0; r < oh; r++) for (let q = 0; q < ow; q++) ps[r * ow + q] = (r * sh * Wp + q * sw) * 4;
    const xf = new Float32Array(buf, xAt, nC * plane);
    const yf = new Float32Array(buf, yAt, Opad * P);
    const inPlane = h * w;
    if (ph !== 0 || pw !== 0) xf.fill(0);
    for (let n = 0; n < xs.length; n++) {
      const x = xs[n];
      for (let ci = 0; ci < nC; ci++) {
        const src = cs[ci] * inPlane;
        if (ph === 0 && pw === 0) {
          xf.set(x.subarray(src, src + inPlane), ci * plane);
        } else {
          for (let r = 0; r < h; r++) xf.set(x.subarray(src + r * w, src + (r + 1) * w), ci * plane + (r + ph) * Wp + pw);
        }
      }
      this.k.conv(xAt, plane, Wp, chans, nC, Wt, Opad, kh, kw, pos, P, yAt);
      const y = ys[n];
      for (let oi = 0; oi < no; oi++) {
        const dst = (os ? os[oi] : oi) * P;
        const from = oi * P;
        for (let p = 0; p < P; p++) y[dst + p] += yf[from + p];
      }
    }
    macCounter.value += xs.length * nC * kk * no * P;
    this.top = this.held;
  }

  /**
   * yd[o] += conv_W(vd), yt[o] += conv_W(vt) for o in `os` (every output channel when null), in f32,
   * at stride 1, where vd and vt are zero but at the n entries `idx` (their values in vdAt, vtAt):
   * each entry's layer weights scattered into the outputs its taps reach (the kernel's `scatter`).
   * yd and yt are full-layout samples; `layer` as for `forward`. Returns how many output positions the
   * taps reached: the first entries of `reachedPositions()`.
   */
  scatter(idx: Int32Array, vdAt: Float64Array, vtAt: Float64Array, n: number, W: ParamArray, s: ConvShape, os: Int32Array | null, layer: boolean,
    yd: Float64Array, yt: Float64Array): number {
    const { kh, kw, ph, pw, h, w } = s;
    const [oh, ow] = convOutSize(s);
    const P = oh * ow;
    const no = os ? os.length : s.o;
    const Opad = (no + 3) & ~3;
    if (n === 0 || no === 0) return 0;
    const Wt = this.transposed(W, s, os, Opad, layer);
    const plane = h * w;
    // the output positions the entries' taps reach (the kernel adds there; they are zeroed first)
    if (this.positionMark.length < P) {
      this.positionMark = new Uint8Array(P);
      this.positions = new Int32Array(P);
    }
    const mark = this.positionMark, list = this.positions;
    let reached = 0;
    for (let k = 0; k < n; k++) {
      const e = idx[k];
      const rem = e % plane;
      const r = (rem / w) | 0, c = rem - r * w;
      for (let i = 0; i < kh; i++) {
        const oy = r + ph - i;
        if (oy < 0 || oy >= oh) continue;
        for (let j = 0; j < kw; j++) {
          const ox = c + pw - j;
          if (ox < 0 || ox >= ow) continue;
          const p = oy * ow + ox;
          if (!mark[p]) { mark[p] = 1; list[reached++] = p; }
        }
      }
    }
    const idxAt = this.alloc(n * 4), vdP = this.alloc(n * 4), vtP = this.alloc(n * 4);
    const ydP = this.alloc(P * Opad * 4), ytP = this.alloc(P * Opad * 4);
    const buf = this.k.memory.buffer;
    new Int32Array(buf, idxAt, n).set(idx.subarray(0, n));
    new Float32Array(buf, vdP, n).set(vdAt.subarray(0, n));
    new Float32Array(buf, vtP, n).set(vtAt.subarray(0, n));
    const fd = new Float32Array(buf, ydP, P * Opad), ft = new Float32Array(buf, ytP, P * Opad);
    for (let a = 0; a < reached; a++) {
      const at = list[a] * Opad;
      fd.fill(0, at, at + Opad);
      ft.fill(0, at, at + Opad);
    }
    const taps = this.k.scatter(idxAt, vdP, vtP, n, Wt, Opad, plane, w, kh, kw, ph, pw, oh, ow, ydP, ytP);
    for (let a = 0; a < reached; a++) {
      const p = list[a];
      mark[p] = 0;
      const at = p * Opad;
      for (let oi = 0; oi < no; oi++) {
        const e = (os ? os[oi] : oi) * P + p;
        yd[e] += fd[at + oi];
        yt[e] += ft[at + oi];
      }
    }
    macCounter.value += 2 * taps * no;
    this.top = this.held;
    return reached;
  }

  /** the output positions the last `scatter` reached (its first `reached` entries) */
  reachedPositions(): Int32Array {
    return this.positions;
  }
}
