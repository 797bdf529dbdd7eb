/** The engines' parts of an op, beside its definition (types.ts): see src/ops/README.md. */
import type { OpDefinition, OpKind, OpOf } from './types.ts';
import type { FisherQuery, ParamSet, TensorPatch } from '../engine/types.ts';
import type { Flow, FlowArgs } from '../engine/cpu/flow.ts';
import type { FlowRef, GpuEncodeArgs, ParamRef, Recorder } from '../engine/webgpu/context.ts';
import type { IndexBuilder, PatchBuilder } from '../engine/webgpu/patches.ts';

/** Dense f64 evaluation of a batch of n samples: inputs, their tangents (null = 0) and the op's tensors. */
export interface ForwardArgs {
  n: number;
  /** per-sample input shapes */
  inShapes: number[][];
  params: ParamSet;
  xs: Float64Array[];
  dxs: (Float64Array | null)[];
  /** tangents of the op's tensors (absent = 0); null when only the value is wanted and dxs are all null */
  tangent: TensorPatch | null;
}

/** Reverse mode for one sample: `rows` cotangent rows of the output (rows × |out|) → one array per input. */
export interface VjpArgs {
  params: ParamSet;
  inShapes: number[][];
  /** this sample's inputs */
  xs: Float64Array[];
  rows: number;
  cotangent: Float64Array;
}

export interface ReferenceOp<K extends OpKind> {
  /** value y and tangent dy (dy null when nothing moves: no input tangent and no tensor tangent) */
  forward(op: OpOf<K>, a: ForwardArgs): { y: Float64Array; dy: Float64Array | null };
  /** cotangents of the inputs (rows × |input k|); null where no detector needs reverse mode through this op yet */
  vjp: ((op: OpOf<K>, a: VjpArgs) => Float64Array[]) | null;
}

export interface GpuOp<K extends OpKind> {
  /** WGSL kernels (file stems of .wgsl files in the op's folder) the op dispatches */
  kernels: readonly string[];
  /** dense value and tangent of G queries × M samples; null when the op moves no data (its output aliases its input) */
  encode: ((rec: Recorder, op: OpOf<K>, a: GpuEncodeArgs) => void) | null;
  /**
   * The sparse plan of a chain (src/engine/webgpu/plan-chain.ts): read a flow that changed only on
   * the features U without densifying it first; null when the op has no such kernel, or (returned)
   * when it cannot read this U. The other ops get the flow densified.
   */
  sparseInput: ((op: OpOf<K>, a: SparseRuleArgs) => SparseRuleStep | null) | null;
}

/** What an op's sparse-input rule sees: node i of a chain, a batch of G queries × M samples from s0. */
export interface SparseRuleArgs {
  /** the support of the incoming change (sorted feature indices of the op's input) */
  U: Int32Array;
  G: number;
  M: number;
  s0: number;
  inShape: number[];
  /** elements per sample of the op's input and output */
  inWidth: number;
  outWidth: number;
  patch: PatchBuilder;
  idx: IndexBuilder;
  /** the batch's patches, for the supports of the op's tensors */
  queries: FisherQuery[];
  /** a flow region of `w` features per sample (value, then tangent) */
  flowRef(w: number): FlowRef;
  /** a checkpoint tensor in the params buffer */
  base(name: string | null): ParamRef;
  /** a tensor's tangent per query in the patch buffer (null: zero) */
  denseTangent(name: string | null): ParamRef;
}

/** A sparse-input step: how to encode it once the buffers exist, and what it leaves. */
export interface SparseRuleStep {
  /** 'sparse': the output changed on the same U (elementwise ops); 'dense': full values and tangents */
  output: 'sparse' | 'dense';
  encode(rec: Recorder, io: { src: GPUBuffer; dst: GPUBuffer; params: GPUBuffer; patch: GPUBuffer; idx: GPUBuffer; baseIn: GPUBuffer; baseOut: GPUBuffer }): void;
}

export interface OpDef<K extends OpKind> extends OpDefinition<K> {
  reference: ReferenceOp<K>;
  /** CPU engine: the change on a few features from the changes of the inputs; null = always dense. May return null to ask for dense. */
  flow: ((op: OpOf<K>, flows: Flow[], a: FlowArgs) => Flow | null) | null;
  gpu: GpuOp<K>;
}
