/** The engines' parts of an op, beside its definition (types.ts): see src/ops/README.md. */
import type { OpDefinition, OpKind, OpOf } from './types.ts';
import type { ParamSet, TensorPatch } from '../engine/types.ts';
import type { Flow, FlowArgs } from '../engine/cpu/flow.ts';
import type { GpuEncodeArgs, Recorder } from '../engine/webgpu/context.ts';

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
}

export interface OpDef<K extends OpKind> extends OpDefinition<K> {
  reference: ReferenceOp<K>;
  /** CPU engine: the change on a few features from the changes of the inputs; null = always dense. May return null to ask for dense. */
  flow: ((op: OpOf<K>, flows: Flow[], a: FlowArgs) => Flow | null) | null;
  gpu: GpuOp<K>;
}
