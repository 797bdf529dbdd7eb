/**
 * Arguments and uniform words that several dispatchers share, as their kernels share
 * src/ops/conv2d/conv-common.wgsl (conv2d/gpu.ts, conv2d/gpu-sparse.ts), shaders/common/sparse-input.wgsl
 * (linear/gpu-sparse.ts, conv2d/gpu-sparse.ts) shaders/common/row-norm.wgsl (layernorm/gpu.ts, rmsnorm/gpu.ts) shaders/common/pointwise-flows.wgsl
 * (add/gpu.ts, mul/gpu.ts) and shaders/common/pointwise-tensor.wgsl (positional/gpu.ts, scale/gpu.ts).
 */
import { UniformWords, singleInputBindings, type Bindings, type FlowRef, type GpuEncodeArgs, type ParamRef, type Recorder } from './context.ts';

/** The conv2d geometry: the fields both conv kernels' uniforms carry after their flows and tensors. */

export interface ConvGeometry {
  G: number;
  M: number;
  /** input channels */
  C: number;
  H: number;
  W: number;
  /** output channels computed (conv2d: may be a compact subset, the weights then hold only those) */
  O: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
}

export const convOut = (a: Pick<ConvGeometry, 'H' | 'W' | 'KH' | 'KW' | 'SH' | 'SW' | 'PH' | 'PW'>): [number, number] => [
  Math.floor((a.H + 2 * a.PH - a.KH) / a.SH) + 1,
  Math.floor((a.W + 2 * a.PW - a.KW) / a.SW) + 1,
];

/** Append G, M, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW; returns the job size G·M·O·OH·OW. */
export function convGeometryWords(words: UniformWords, a: ConvGeometry): number {
  const [OH, OW] = convOut(a);
  words.u32(a.G, a.M, a.C, a.H, a.W, a.O, a.KH, a.KW, a.SH, a.SW, a.PH, a.PW, OH, OW);
  return a.G * a.M * a.O * OH * OW;
}

/** An op fed by a sparse flow: its input changed only on a support (features or whole channels). */
export interface SparseInputArgs {
  /** sparse input flow (change and tangent on the support); `tan: false` = no input change at all */
  x: FlowRef;
  /** dense output: full values and tangents */
  y: FlowRef;
  /** checkpoint weight */
  w: ParamRef;
  /** ΔW and Ẇ restricted to the support */
  dwd: ParamRef;
  dwt: ParamRef;
  /** Δb, ḃ: [G][outputs] */
  bd: ParamRef;
  bt: ParamRef;
  /** offset of the support (sorted indices) in the idx buffer */
  idxOff: number;
  /** element offsets of the batch's first sample in the cached input / output */
  bInOff: number;
  bOutOff: number;
}

/** The uniform words of a sparse-input kernel up to its sizes: flows x, y, then W, ΔW, Ẇ, Δb, ḃ. */
export function sparseInputWords(a: SparseInputArgs): UniformWords {
  return new UniformWords().flow(a.x).flow(a.y).ref(a.w).ref(a.dwd).ref(a.dwt).ref(a.bd).ref(a.bt);
}

/** A norm over the last axis (shaders/common/row-norm.wgsl); RMSNorm passes no β, β̇. */
export interface RowNormArgs {
  x: FlowRef;
  y: FlowRef;
  gamma: ParamRef;
  beta: ParamRef;
  dgamma: ParamRef;
  dbeta: ParamRef;
  G: number;
  /** rows per query (samples × rows per sample) */
  rows: number;
  f: number;
  eps: number;
}

export function encodeRowNorm(rec: Recorder, kernel: 'layernorm' | 'rmsnorm', bind: Bindings, a: RowNormArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.gamma).ref(a.beta).ref(a.dgamma).ref(a.dbeta)
    .u32(a.G, a.rows, a.f).f32(a.eps)
    .finish();
  rec.dispatch1D(kernel, words, bind, a.G * a.rows);
}

/** An elementwise op of two flows (shaders/common/pointwise-flows.wgsl): a in `src`, b in `baseIn`. */
export function encodePointwiseFlows(rec: Recorder, kernel: 'add' | 'mul', a: GpuEncodeArgs): void {
  const per = a.M * a.inShapes[0].reduce((x, y) => x * y, 1);
  const words = new UniformWords().flow(a.xs[0].ref).flow(a.xs[1].ref).flow(a.y.ref).u32(a.G, per).finish();
  rec.dispatch1D(kernel, words, { src: a.xs[0].buffer, baseIn: a.xs[1].buffer, dst: a.y.buffer }, a.G * per);
}

/** An elementwise op of the input and tensor `weight` repeating every `period` elements (shaders/common/pointwise-tensor.wgsl). */
export function encodePointwiseTensor(rec: Recorder, kernel: 'positional' | 'scale', a: GpuEncodeArgs, weight: string, period: number): void {
  const per = a.M * a.inShapes[0].reduce((x, y) => x * y, 1);
  const words = new UniformWords().flow(a.xs[0].ref).flow(a.y.ref).ref(a.value(weight)).ref(a.tangent(weight)).u32(a.G, per, period).finish();
  rec.dispatch1D(kernel, words, singleInputBindings(a), a.G * per);
}
