/**
 * What an op is, engine-free (the science code reads only this part; op-def.ts adds the engines' parts).
 * The parts of one op. Every op lives in its own folder `src/ops/<kind>/` and fills an
 * `OpDef<K>`; the table in registry.ts is typed `{ [K in OpKind]: OpDef<K> }`, so an op that
 * lacks a part does not compile. See src/ops/README.md for how to add one.
 *
 *   definition.ts  inputs, output shape, the tensors it owns, its architecture-JSON form, its label
 *   reference.ts   f64 forward + forward-mode tangent (JVP), and reverse mode (VJP) or null
 *   flow.ts        the CPU engine's sparse plug-in (a change confined to a few features), or null
 *   gpu.ts         its WGSL kernels and the encoder of a dense batch
 */
import type { Op } from './ops.ts';
import type { Activation } from './activation/functions.ts';
import type { LinearLayout } from './linear/definition.ts';

export type OpKind = Op['kind'];
export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

/** A value in the graph: 0 is the model input, every node produces one value (its id). */
export type ValueId = number;

/** One layer of an architecture JSON (`--arch`; README "Architecture inference and --arch"). */
export interface ArchLayer {
  op: OpKind;
  /** tensor-name prefix: `<prefix>.weight`, `<prefix>.bias`, … */
  prefix?: string;
  fn?: Activation;
  stride?: number;
  padding?: number;
  kernel?: number;
  eps?: number;
  /** linear: the stored layout of the weight (default 'out-in') */
  layout?: LinearLayout;
  /** linear: applies to the last axis of [T, in] (default false: the flattened input) */
  positionwise?: boolean;
  /** value ids the layer reads (0 = model input, layer i's output = i + 1); default [its predecessor] */
  inputs?: number[];
  /** slice: the first feature of the last axis kept, and how many; mean: the first position averaged */
  start?: number;
  length?: number;
  /** cls, scale: the tensor's full name where it is not the default `<prefix>.<name>` */
  weight?: string;
  /** take: the position (−1 = last) */
  index?: number;
  /** cls: the position its first token takes (default 0; DINOv2's register tokens: 1) */
  at?: number;
  /** attention: heads, key/value heads (GQA), head width, causal mask, score scale, rotary positions */
  heads?: number;
  kvHeads?: number;
  headDim?: number;
  causal?: boolean;
  scale?: number;
  rotary?: { base: number; convention: 'half-split' | 'interleaved'; dims: number } | null;
}

/** What `fromArch` may ask of the checkpoint while it builds an op from an architecture layer. */
export interface ArchContext {
  /** index of the layer (for messages) */
  index: number;
  /** `<prefix>.<suffix>` */
  name(suffix: string): string;
  /** the tensor, or an ArchitectureError naming it */
  need(name: string): { name: string; shape: number[] };
  /** the name when the checkpoint has it, else null */
  optional(name: string): string | null;
  /** the model's hidden activation (an activation layer without `fn` takes it) */
  activation: Activation;
  /** throws an ArchitectureError with this message */
  bad(message: string): never;
}

/** How a tensor is initialised by test helpers: scale ~ 1, variance > 0, the rest ~ 0. */
export type TensorRole = 'weight' | 'bias' | 'scale' | 'shift' | 'mean' | 'variance';
export interface TensorSpec { name: string; shape: number[]; role: TensorRole }

/** The explorer's one-line description of an op. */
export interface OpLabel { kind: string; detail: string; name: string | null }

export interface OpDefinition<K extends OpKind> {
  kind: K;
  /** number of input values */
  arity: number;
  /** per-sample output shape from the per-sample input shapes */
  outputShape(op: OpOf<K>, inputs: number[][]): number[];
  /** why the input shapes do not fit the op, or null when they do */
  inputError(op: OpOf<K>, inputs: number[][]): string | null;
  /** names of the tensors (parameters and buffers) the op reads, in a fixed order */
  tensors(op: OpOf<K>): string[];
  /** the same tensors with their shapes and roles */
  tensorSpecs(op: OpOf<K>, inputs: number[][]): TensorSpec[];
  /** the op from an architecture-JSON layer, checked against the checkpoint */
  fromArch(layer: ArchLayer, ctx: ArchContext): OpOf<K>;
  /** the architecture-JSON layer of the op (fromArch's inverse; without `inputs`) */
  toArch(op: OpOf<K>): ArchLayer;
  label(op: OpOf<K>): OpLabel;
  /** acts feature by feature (a hidden unit passes through it as a unit: activation, BatchNorm, pooling, flatten) */
  unitwise: boolean;
  /**
   * Per input, the positions of a sequence [T, F] the output reads when only the positions marked
   * in `out` are needed (null = all; `out` null = all); src/ops/positions-read.ts has the common
   * answers. The CPU engine cuts its flows to these (src/engine/cpu/positions.ts).
   */
  positionsRead(op: OpOf<K>, out: Uint8Array | null, inputs: number[][], output: number[]): (Uint8Array | null)[];
}

