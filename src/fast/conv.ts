/**
 * The pattern scan's convolution in f32 (its fast mode): the WebAssembly SIMD kernel of
 * src/fast/conv-kernels.wat behind the same call as `conv2dForward` (no bias, channel lists, compact
 * arrays, f64 in and out). The f64 reference mode keeps `conv2dForward`. Layer weights are transposed
 * to output-channel-innermost f32 once per tensor and kept in the kernel's memory; a patch basis
 * is transposed per call (restricted to its non-zero rows where it has few).
 */
import { CONV_KERNELS_WASM_BASE64 } from './conv-kernels-wasm.ts';
import { ensureBytes, wasmModule } from './kernel-module.ts';
import { macCounter } from './gemm.ts';
import { convOutSize, type ConvShape } from '../ops/conv2d/reference.ts';

interface ConvExports {
  memory: WebAssembly.Memory;
  conv(x: number, plane: number, Wp: number, chans: number, nC: number, Wt: number, Opad: number, kh: number, kw: number, pos: number, P: number, y: number): void;
}


export class WasmConv {
  private readonly k: ConvExports;
  /** bytes kept for the cached layer weights; each call's scratch lies above */
  private kept = 0;
  private top = 0;
  private readonly weights = new Map<Float64Array, number>();

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

  /** W's rows `os` (all when null) as f32 [c][kh][kw][Opad] at the returned byte offset; kept when `keep` */
  private transposed(W: Float64Array, s: ConvShape, os: Int32Array | null, Opad: number, keep: boolean): number {
    keep = keep && !os;
    const cached = keep ? this.weights.get(W) : undefined;
    if (cached !== undefined) return cached;
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
    if (keep) {
      this.kept = this.top;
      this.weights.set(W, at);
    }
    return at;
  }

  /**
   * y[n, oi] = Σ_ci W[os[oi], cs[ci]] ⋆ x[n, ci] for n < s.n: `conv2dForward(x, W, null, s, cs, os)`
   * computed in f32 (x compact over `cs`, y over `os`; os null: every output channel). `keep`: W is a
   * layer's weights, used again (its transposed copy stays in the kernel's memory).
   */
  forward(x: Float64Array, W: Float64Array, s: ConvShape, cs: Int32Array, os: Int32Array | null, keep: boolean): Float64Array {
    const { kh, kw, sh, sw, ph, pw, h, w } = s;
    const [oh, ow] = convOutSize(s);
    const P = oh * ow;
    const no = os ? os.length : s.o;
    const Opad = (no + 3) & ~3;
    const nC = cs.length;
    const y = new Float64Array(s.n * no * P);
    if (nC === 0 || no === 0) return y;
    const Wt = this.transposed(W, s, os, Opad, keep);
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
    for (let n = 0; n < s.n; n++) {
      const xn = n * nC * inPlane;
      if (ph === 0 && pw === 0) {
        xf.set(x.subarray(xn, xn + nC * inPlane));
      } else {
        xf.fill(0);
        for (let ci = 0; ci < nC; ci++) for (let r = 0; r < h; r++) {
          const src = xn + ci * inPlane + r * w;
          const dst = ci * plane + (r + ph) * Wp + pw;
          xf.set(x.subarray(src, src + w), dst);
        }
      }
      this.k.conv(xAt, plane, Wp, chans, nC, Wt, Opad, kh, kw, pos, P, yAt);
      y.set(yf.subarray(0, no * P), n * no * P);
    }
    macCounter.value += s.n * nC * kk * no * P;
    this.top = this.kept;
    return y;
  }
}
