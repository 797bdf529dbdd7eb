/**
 * How a transformer graph is wired, for the gauge detectors: which tensors are tied to a second
 * use, which features of a
 * projection feed an attention head, and the matrices a head's gauge acts on.
 * A gauge is exact only when what it moves has no other reader, so every lookup here returns
 * null where some other op could see the change (METHOD §4, notes: transformer gauges).
 */
import { consumersOf, opTensors, producerOf, type GraphNode, type LinearOp, type ModelGraph, type Op, type ValueId } from '../model/graph.ts';
import type { AttentionOp, SliceOp } from '../ops/ops.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import type { FisherQuery, ParamSet, TensorPatch } from '../engine/types.ts';
import { expm, matMul } from '../math/linalg.ts';
import { sparsePatch } from './unit-weights.ts';

const asSlice = (op: Op): SliceOp | null => (op.kind === 'slice' ? op : null);

/** tensor name → how many ops read it (2 or more: tied, e.g. an unembedding reading the embedding) */
export function tensorUses(model: ModelGraph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of model.nodes) for (const t of opTensors(n.op)) uses.set(t, (uses.get(t) ?? 0) + 1);
  return uses;
}

/** whether no other op reads any tensor of `op` (a change to them moves nothing else) */
export const ownsTensors = (uses: Map<string, number>, op: Op): boolean => opTensors(op).every((t) => uses.get(t) === 1);

/** A run of a linear map's output features [offset, offset + width) that only one value carries on. */
export interface ProjectionSlot { op: LinearOp; offset: number }

/** Value features [start, start + length) are the linear map's output features [offset, offset + length). */
interface Piece { op: LinearOp; offset: number; start: number; length: number }

/**
 * The projections feeding an attention input, feature by feature: a linear map's output, a slice
 * of it (a fused QKV), or a concatenation of such (heads stored one module per head).
 * `at(f0, width)` is the slot holding value features [f0, f0 + width) (so that feature f is the
 * map's feature `offset + f`), or null where they span two maps.
 */
export interface HeadProjection { at(f0: number, width: number): ProjectionSlot | null }

function headProjection(pieces: Piece[]): HeadProjection {
  return {
    at(f0, width) {
      const p = pieces.find((q) => q.start <= f0 && f0 + width <= q.start + q.length);
      return p ? { op: p.op, offset: p.offset - p.start } : null;
    },
  };
}

/**
 * The linear maps (and feature offsets) producing value x, when x is that map's output, a slice
 * of it (a fused QKV) or a concatenation of such, x is read only by `reader` (once), no other
 * reader of a map's output sees these features, and the maps' tensors are not tied elsewhere.
 */
function exclusivePieces(model: ModelGraph, readers: Map<ValueId, GraphNode[]>, uses: Map<string, number>, x: ValueId, reader: GraphNode): Piece[] | null {
  if (readers.get(x)?.length !== 1 || reader.inputs.filter((v) => v === x).length !== 1) return null;
  const p = producerOf(model, x);
  if (!p) return null;
  if (p.op.kind === 'concat') {
    const a = exclusivePieces(model, readers, uses, p.inputs[0], p);
    const b = exclusivePieces(model, readers, uses, p.inputs[1], p);
    if (!a || !b) return null;
    const widthA = a.reduce((s, q) => s + q.length, 0);
    return [...a, ...b.map((q) => ({ ...q, start: q.start + widthA }))];
  }
  let lin: GraphNode = p;
  let offset = 0;
  const slice = asSlice(p.op);
  if (slice) {
    const src = producerOf(model, p.inputs[0]);
    if (!src) return null;
    // every other reader of the fused output is a slice of other features
    const others = readers.get(p.inputs[0]) ?? [];
    for (const o of others) {
      if (o === p) continue;
      const s = asSlice(o.op);
      if (!s || (s.start < slice.start + slice.length && slice.start < s.start + s.length)) return null;
    }
    lin = src;
    offset = slice.start;
  }
  if (lin.op.kind !== 'linear' || !ownsTensors(uses, lin.op)) return null;
  return [{ op: lin.op, offset, start: 0, length: slice ? slice.length : lin.op.outFeatures }];
}

export interface AttentionWiring {
  node: GraphNode;
  op: AttentionOp;
  q: HeadProjection | null;
  k: HeadProjection | null;
  v: HeadProjection | null;
  /** the output projection reading the attention output directly and alone, or null */
  o: LinearOp | null;
}

/** Every attention node with the projections whose head features it alone reads. */
export function attentionWirings(model: ModelGraph): AttentionWiring[] {
  const readers = consumersOf(model);
  const uses = tensorUses(model);
  const out: AttentionWiring[] = [];
  for (const node of model.nodes) {
    const op = node.op;
    if (op.kind !== 'attention') continue;
    const [q, k, v] = node.inputs.map((x) => {
      const pieces = exclusivePieces(model, readers, uses, x, node);
      return pieces ? headProjection(pieces) : null;
    });
    const next = readers.get(node.id);
    const oNode = node.id !== model.output && next?.length === 1 && next[0].op.kind === 'linear' && ownsTensors(uses, next[0].op) ? next[0] : null;
    out.push({ node, op, q, k, v, o: oNode ? (oNode.op as LinearOp) : null });
  }
  return out;
}

/** The query heads that read key/value group g (GQA: head h reads group ⌊h·Hkv/H⌋). */
export function headsOfGroup(op: AttentionOp, g: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < op.heads; h++) if (Math.floor((h * op.kvHeads) / op.heads) === g) out.push(h);
  return out;
}

/**
 * The (a, b) index pairs of a head that rotary embeddings rotate together, in the op's
 * convention: half-split (LLaMA HF rotate_half) pairs i with i + dims/2, interleaved
 * (Meta, GPT-J) pairs 2i with 2i + 1; features from `dims` on are not rotated.
 */
export function rotaryPairs(rotary: NonNullable<AttentionOp['rotary']>): [number, number][] {
  const half = rotary.dims / 2;
  return Array.from({ length: half }, (_, i) => (rotary.convention === 'half-split' ? [i, i + half] : [2 * i, 2 * i + 1]));
}

/** A matrix of stored weight entries: element (r, c) is `tensors[r·cols + c][index]`. */
export interface EntryMatrix {
  rows: number;
  cols: number;
  tensor: string[];
  index: number[];
}

/**
 * Head features [f0, f0 + dh) of a projection as an (in + 1) × dh matrix, rows the input
 * features and (last, when there is a bias) the bias: x·W + b = [x, 1]·[W; b], so a right
 * multiplication moves weight and bias together.
 */
export function projectionMatrix(slot: ProjectionSlot, f0: number, dh: number): EntryMatrix {
  const { op } = slot;
  const tensor: string[] = [], index: number[] = [];
  for (let i = 0; i < op.inFeatures; i++) for (let j = 0; j < dh; j++) {
    tensor.push(op.weight);
    index.push(linearWeightIndex(op, slot.offset + f0 + j, i));
  }
  if (op.bias) for (let j = 0; j < dh; j++) {
    tensor.push(op.bias);
    index.push(slot.offset + f0 + j);
  }
  return { rows: op.inFeatures + (op.bias ? 1 : 0), cols: dh, tensor, index };
}

/** Input features [f0, f0 + dh) of the output projection as a dh × out matrix (its rows read head h). */
export function outputMatrix(op: LinearOp, f0: number, dh: number): EntryMatrix {
  const tensor: string[] = [], index: number[] = [];
  for (let j = 0; j < dh; j++) for (let o = 0; o < op.outFeatures; o++) {
    tensor.push(op.weight);
    index.push(linearWeightIndex(op, o, f0 + j));
  }
  return { rows: dh, cols: op.outFeatures, tensor, index };
}

/** X → X·e^{tG} ('right', G cols × cols) or e^{tG}·X ('left', G rows × rows). */
export interface MatrixFactor { m: EntryMatrix; side: 'right' | 'left'; generator: Float64Array }

/**
 * The exact orbit t ↦ θ(t) of a matrix-group gauge: every factor X moves to X e^{tG} (or e^{tG} X);
 * delta = X(e^{tG} − I), tangent ∝ X e^{tG} G (e^{tG} and G commute), unit over all factors.
 * Built lazily and stored by its non-zeros (a head's block, not the whole fused tensor).
 */
export function matrixOrbit(params: ParamSet, factors: MatrixFactor[]): (t: number) => FisherQuery {
  const current = factors.map(({ m }) => Float64Array.from(m.index, (ix, k) => params.get(m.tensor[k])!.data[ix]));
  const runs = factors.map(({ m }) => entryRuns(m.tensor, m.index));
  return (t) => {
    let built: { delta: TensorPatch; tangent: TensorPatch } | null = null;
    const build = () => {
      let sq = 0;
      const deltas: Float64Array[] = [], tangents: Float64Array[] = [];
      factors.forEach(({ m, side, generator }, f) => {
        const n = side === 'right' ? m.cols : m.rows;
        const E = expm(generator.map((x) => x * t), n);
        const X = current[f];
        const moved = side === 'right' ? matMul(X, E, m.rows, n, n) : matMul(E, X, n, n, m.cols);
        const tg = side === 'right' ? matMul(moved, generator, m.rows, n, n) : matMul(generator, moved, n, n, m.cols);
        for (let k = 0; k < X.length; k++) sq += tg[k] * tg[k];
        deltas.push(moved.map((x, k) => x - X[k]));
        tangents.push(tg);
      });
      const scale = sq > 0 ? 1 / Math.sqrt(sq) : 1;
      return {
        delta: sparsePatch(params, runs.map((idx, f) => ({ idx, values: deltas[f] }))),
        tangent: sparsePatch(params, runs.map((idx, f) => ({ idx, values: tangents[f], scale }))),
      };
    };
    return {
      get delta() { return (built ??= build()).delta; },
      get tangent() { return (built ??= build()).tangent; },
    };
  };
}

/** (tensor, indices) runs of consecutive entries of one tensor, in entry order (sparsePatch's input). */
export function entryRuns(tensor: readonly string[], index: readonly number[]): [string, number[]][] {
  const out: [string, number[]][] = [];
  tensor.forEach((name, k) => {
    const last = out[out.length - 1];
    if (last && last[0] === name) last[1].push(index[k]);
    else out.push([name, [index[k]]]);
  });
  return out;
}
