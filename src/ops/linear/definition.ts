/**
 * Linear y = W·x + b. W is read in its STORED layout (`layout`, absent = PyTorch's [out, in]), so a
 * direction names a stored tensor element and no transposed copy exists anywhere; `positionwise`
 * applies the map to the last axis of [T, in] (a transformer's per-position projection) instead of
 * to the flattened input.
 */
import type { OpDefinition } from '../types.ts';
import type { ParamArray } from '../../engine/types.ts';
import { samePositions } from '../positions-read.ts';

/**
 * How a stored weight maps to y = W x:
 *  - `out-in`: `nn.Linear`, W[o, i] stored [out, in];
 *  - `in-out`: GPT-2 `Conv1D`, TransformerLens `W_in`/`W_out`/`W_U`, W[i, o] stored [in, out];
 *    TransformerLens `W_O` [heads, d_head, out] (`heads` set) flattens its first two axes to the input;
 *  - `heads`: TransformerLens `W_Q`/`W_K`/`W_V` [heads, in, d_head]: y[h·d_head + j] = Σ_i W[h, i, j] x_i.
 */
export type LinearLayout = 'out-in' | 'in-out' | 'heads';
const LAYOUTS: readonly LinearLayout[] = ['out-in', 'in-out', 'heads'];

export interface LinearOp {
  kind: 'linear';
  /** tensor-name prefix of the layer, e.g. `0` for `0.weight` */
  layer: string;
  weight: string;
  bias: string | null;
  inFeatures: number;
  outFeatures: number;
  /** stored layout of `weight`; absent = 'out-in' (every chain model before transformers) */
  layout?: LinearLayout;
  /** true: y[t] = W x[t] + b on the last axis of [T, in] → [T, out]; absent = false (the flattened input) */
  positionwise?: boolean;
  /** number of heads of a 3-D stored weight (layout 'heads', or 'in-out' for W_O); absent for 2-D */
  heads?: number;
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const linearLayout = (op: LinearOp): LinearLayout => op.layout ?? 'out-in';

/** The layout every sparse kernel is written for: [out, in] on the flattened input. */
export const isPlainLinear = (op: LinearOp): boolean => linearLayout(op) === 'out-in' && !op.positionwise;

/**
 * Where W[o, i] (y_o = Σ_i W[o, i] x_i) sits in the stored tensor: the element
 *   ⌊o / block⌋·blockStride + (o mod block)·outStride + i·inStride.
 * The one way every engine, kernel and detector indexes a linear's weight.
 */
export interface LinearStrides { block: number; blockStride: number; outStride: number; inStride: number }

export function linearStrides(op: LinearOp): LinearStrides {
  const I = op.inFeatures, O = op.outFeatures;
  switch (linearLayout(op)) {
    case 'out-in': return { block: O, blockStride: 0, outStride: I, inStride: 1 };
    case 'in-out': return { block: O, blockStride: 0, outStride: 1, inStride: O };
    case 'heads': {
      const dh = O / (op.heads ?? 1);
      return { block: dh, blockStride: I * dh, outStride: 1, inStride: dh };
    }
  }
}

/** Stored index of W[o, i]. */
export function linearWeightIndex(op: LinearOp, o: number, i: number): number {
  const s = linearStrides(op);
  return Math.floor(o / s.block) * s.blockStride + (o % s.block) * s.outStride + i * s.inStride;
}

/** W[o, i] is stored at rowStart[o] + i·inStride: the strides unrolled over o, for tight loops. */
export interface LinearWeightAt { rowStart: Int32Array; inStride: number }

export function weightAt(s: LinearStrides, outFeatures: number): LinearWeightAt {
  const rowStart = new Int32Array(outFeatures);
  for (let o = 0; o < outFeatures; o++) rowStart[o] = Math.floor(o / s.block) * s.blockStride + (o % s.block) * s.outStride;
  return { rowStart, inStride: s.inStride };
}

/**
 * Kept per op and per shape: a read asks for them once per unit (a flow, a row), and building one is
 * O(outFeatures), so a wide layer's units would cost O(width²) (a 2 → 100 000 → 1 read ran for minutes).
 * Readers never write into them.
 */
const weightAtOfOp = new WeakMap<LinearOp, LinearWeightAt>();
const outInAtOfShape = new Map<string, LinearWeightAt>();

export function linearWeightAt(op: LinearOp): LinearWeightAt {
  let at = weightAtOfOp.get(op);
  if (!at) weightAtOfOp.set(op, (at = weightAt(linearStrides(op), op.outFeatures)));
  return at;
}

/** [out, in] storage (nn.Linear): the default of the kernels' plain entry points. */
export function outInAt(inF: number, outF: number): LinearWeightAt {
  const key = `${inF}×${outF}`;
  let at = outInAtOfShape.get(key);
  if (!at) outInAtOfShape.set(key, (at = weightAt({ block: outF, blockStride: 0, outStride: inF, inStride: 1 }, outF)));
  return at;
}

/** The [out, in] copy (made by `like`) of a weight or patch stored through `at`: out[o·I + i] = W[o, i]. */
export function outInCopy<A extends ArrayLike<number> & { [i: number]: number }>(op: LinearOp, stored: A, at: LinearWeightAt, like: (n: number) => A): A {
  const I = op.inFeatures;
  const out = like(op.outFeatures * I);
  for (let o = 0; o < op.outFeatures; o++) for (let i = 0; i < I; i++) out[o * I + i] = stored[at.rowStart[o] + i * at.inStride]!;
  return out;
}

/** W as an [out, in] matrix (for linear algebra on the map, e.g. a chain's product), read through the layout. */
export function linearMatrix(op: LinearOp, stored: ParamArray): ParamArray {
  if (linearLayout(op) === 'out-in') return stored;
  return outInCopy<ParamArray>(op, stored, linearWeightAt(op), (n) => new Float64Array(n));
}

/** The stored shape of the weight. */
export function linearWeightShape(op: LinearOp): number[] {
  const I = op.inFeatures, O = op.outFeatures, H = op.heads;
  switch (linearLayout(op)) {
    case 'out-in': return [O, I];
    case 'in-out': return H ? [H, I / H, O] : [I, O];
    case 'heads': return [H ?? 1, I, O / (H ?? 1)];
  }
}

/** Rows the map applies to per sample: T positions when positionwise, else 1. */
export const linearPositions = (op: LinearOp, input: number[]): number => (op.positionwise ? size(input) / op.inFeatures : 1);

export const linearDefinition: OpDefinition<'linear'> = {
  kind: 'linear',
  arity: 1,
  unitwise: false,
  // position-wise: position t of the output reads position t of the input; else the flattened input whole
  positionsRead: (op, out, inputs, output) => (op.positionwise ? samePositions(op, out, inputs, output) : [null]),
  outputShape: (op, [x]) => (op.positionwise ? [...x.slice(0, -1), op.outFeatures] : [op.outFeatures]),
  inputError(op, [x]) {
    if (op.positionwise) return x[x.length - 1] !== op.inFeatures ? `expects ${op.inFeatures} features on the last axis, gets ${x[x.length - 1]}` : null;
    return size(x) !== op.inFeatures ? `expects ${op.inFeatures} inputs, gets ${size(x)}` : null;
  },
  tensors: (op) => [op.weight, ...(op.bias ? [op.bias] : [])],
  tensorSpecs: (op) => [
    { name: op.weight, shape: linearWeightShape(op), role: 'weight' },
    ...(op.bias ? [{ name: op.bias, shape: [op.outFeatures], role: 'bias' as const }] : []),
  ],
  fromArch(layer, ctx) {
    const w = ctx.need(ctx.name('weight'));
    const layout = layer.layout ?? 'out-in';
    if (!LAYOUTS.includes(layout)) ctx.bad(`layer ${ctx.index}: unknown layout ${JSON.stringify(layout)} (one of ${LAYOUTS.join(', ')})`);
    if (layer.positionwise !== undefined && typeof layer.positionwise !== 'boolean') ctx.bad(`layer ${ctx.index}: "positionwise" must be true or false`);
    const s = w.shape;
    const base = { kind: 'linear' as const, layer: layer.prefix ?? '', weight: w.name, bias: ctx.optional(ctx.name('bias')) };
    const extra = { ...(layer.layout ? { layout } : {}), ...(layer.positionwise ? { positionwise: true } : {}) };
    if (layout === 'heads') {
      if (s.length !== 3) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 3-D [heads, in, d_head] (layout "heads")`);
      return { ...base, inFeatures: s[1], outFeatures: s[0] * s[2], ...extra, heads: s[0] };
    }
    if (layout === 'in-out' && s.length === 3) return { ...base, inFeatures: s[0] * s[1], outFeatures: s[2], ...extra, heads: s[0] };
    if (s.length !== 2) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 2-D`);
    return layout === 'out-in'
      ? { ...base, outFeatures: s[0], inFeatures: s[1], ...extra }
      : { ...base, inFeatures: s[0], outFeatures: s[1], ...extra };
  },
  toArch: (op) => ({
    op: 'linear', prefix: op.layer, ...(op.layout ? { layout: op.layout } : {}), ...(op.positionwise ? { positionwise: true } : {}),
  }),
  label: (op) => ({
    kind: 'Linear',
    detail: `${op.inFeatures} → ${op.outFeatures}${op.bias ? '' : ', no bias'}${op.layout && op.layout !== 'out-in' ? `, stored ${op.layout}` : ''}${op.positionwise ? ', per position' : ''}`,
    name: op.layer,
  }),
};
