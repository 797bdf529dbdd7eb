import type { ModelGraph } from '../model/graph.ts';

/**
 * A parameter's values: F32 (and F16/BF16, decoded) as Float32Array (exact: every f16 and bf16 value
 * is a float32), F64 and integer ones as Float64Array. Readers take elements (exact doubles either
 * way) and never write into it; a derived array is a new Float64Array. Tensors are held in their
 * stored dtype (src/format/held-tensor.ts: F16/BF16 as their words, `data` decodes them).
 */
export type { ParamArray, HeldTensor } from '../format/held-tensor.ts';
import type { HeldTensor } from '../format/held-tensor.ts';

/** Parameter tensors by name, row-major with their shapes, in their stored dtype. */
export type ParamSet = Map<string, HeldTensor>;

/** Probe inputs: `count` samples of per-sample `shape`, row-major. */
export interface ProbeSet { count: number; shape: number[]; data: Float64Array }

/**
 * The likelihood the Fisher is taken under (METHOD §1): Gaussian on the outputs, softmax over
 * logits, or Gaussian on the centred logits (z − mean z: the softmax's logit-shift gauge stays
 * exactly flat, and the read does not saturate where the softmax is confident; METHOD notes).
 */
export type Head = 'regression' | 'classification' | 'logits';

/** Heads whose outputs are class logits (labels are class indices). */
export const readsLogits = (head: Head): boolean => head !== 'regression';

/** A change confined to a few tensors: tensor name -> dense array of that tensor's size. */
export type TensorPatch = Map<string, Float64Array>;

/** The non-zeros of one tensor of a patch: flat indices (ascending, distinct) and their values. */
export interface NonZeros { length: number; index: Int32Array; values: Float64Array }

const NOT_BUILT = new Float64Array(0);

/**
 * A patch given by its non-zeros. It is a TensorPatch for every reader: `get` and iteration build
 * a tensor's dense array on first use and keep it. The CPU fast scan reads `nonZeros` instead and
 * never builds them: a node-death direction of a 784 → 512 layer is 913 numbers, its dense arrays
 * 3.2 MB, and a read has one per unit. Read-only: the dense arrays handed out must not be written.
 */
export class SparsePatch extends Map<string, Float64Array> {
  readonly nonZeros: Map<string, NonZeros>;

  constructor(nonZeros: Map<string, NonZeros>) {
    super();
    this.nonZeros = nonZeros;
    for (const name of nonZeros.keys()) super.set(name, NOT_BUILT);
  }

  get(name: string): Float64Array | undefined {
    const a = super.get(name);
    if (a !== NOT_BUILT) return a;
    const { length, index, values } = this.nonZeros.get(name)!;
    const dense = new Float64Array(length);
    for (let i = 0; i < index.length; i++) dense[index[i]] = values[i];
    super.set(name, dense);
    return dense;
  }

  /** tensor n times scale(n) (0 when absent), as the dense `a.map((x) => x·k)` gives on the non-zeros (the zeros stay +0) */
  scaled(scale: Map<string, number>): SparsePatch {
    const out = new Map<string, NonZeros>();
    for (const [n, nz] of this.nonZeros) {
      const k = scale.get(n) ?? 0;
      out.set(n, k === 1 ? nz : { ...nz, values: nz.values.map((x) => x * k) });
    }
    return new SparsePatch(out);
  }

  private built(): this {
    for (const name of this.nonZeros.keys()) this.get(name);
    return this;
  }

  entries(): MapIterator<[string, Float64Array]> {
    return super.entries.call(this.built());
  }

  values(): MapIterator<Float64Array> {
    return super.values.call(this.built());
  }

  [Symbol.iterator](): MapIterator<[string, Float64Array]> {
    return this.entries();
  }

  forEach(fn: (value: Float64Array, key: string, map: Map<string, Float64Array>) => void, thisArg?: unknown): void {
    super.forEach.call(this.built(), fn, thisArg);
  }
}

/** The non-zeros of a patch's tensor: given (SparsePatch), else found by a pass over its dense array. */
export function nonZerosOf(patch: TensorPatch, name: string): NonZeros | null {
  if (!patch.has(name)) return null;
  if (patch instanceof ScaledPatch) return nonZerosOf(patch.arrays(), name);
  if (patch instanceof SparsePatch) {
    const nz = patch.nonZeros.get(name);
    if (nz) return nz;
  }
  const a = patch.get(name)!;
  const index: number[] = [];
  // −0 counts as a non-zero (a patch that spells one out touches that entry)
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 || Object.is(a[i], -0)) index.push(i);
  return { length: a.length, index: Int32Array.from(index), values: Float64Array.from(index, (i) => a[i]) };
}

/**
 * A patch that is per-tensor multiples of one fixed patch: tensor n is scale(n)·basis[n] (0 when
 * absent from `scale`), with the basis's keys. The arrays are built only if something reads them
 * (`get`, iteration), whole on first read, so a scan over large tensors does not allocate them at
 * every point; engines read the factors instead (`deltaOf`, `tangentOf`, `sharedBasis`). Read-only.
 */
export class ScaledPatch extends Map<string, Float64Array> {
  readonly basis: TensorPatch;
  readonly scale: Map<string, number>;
  private built: TensorPatch | null = null;

  constructor(basis: TensorPatch, scale: Map<string, number>) {
    super();
    this.basis = basis;
    this.scale = scale;
    for (const name of basis.keys()) super.set(name, NOT_BUILT);
  }

  /** The arrays themselves (a sparse basis gives a SparsePatch: its zeros stay +0). */
  arrays(): TensorPatch {
    if (this.built) return this.built;
    if (this.basis instanceof SparsePatch) return (this.built = this.basis.scaled(this.scale));
    const out: TensorPatch = new Map();
    for (const [n, a] of this.basis) {
      const k = this.scale.get(n) ?? 0;
      out.set(n, k === 1 ? a : a.map((x) => x * k));
    }
    return (this.built = out);
  }

  get(name: string): Float64Array | undefined {
    return super.has(name) ? this.arrays().get(name) : undefined;
  }

  entries(): MapIterator<[string, Float64Array]> {
    return this.arrays().entries();
  }

  values(): MapIterator<Float64Array> {
    return this.arrays().values();
  }

  [Symbol.iterator](): MapIterator<[string, Float64Array]> {
    return this.entries();
  }

  forEach(fn: (value: Float64Array, key: string, map: Map<string, Float64Array>) => void, thisArg?: unknown): void {
    this.arrays().forEach((value, key) => fn.call(thisArg, value, key, this));
  }
}

/**
 * One scan point: the parameters θ(t) = θ̂ + delta on the touched tensors, and the
 * (unit) direction v along which the directional Fisher is taken there. Tensors absent
 * from `delta` keep their checkpoint values; tensors absent from `tangent` have v = 0.
 * This is the one encoding of a query. A line or an orbit gives both patches as ScaledPatch of
 * one basis (`scaledPoint`): the same arrays in factored form, which the engines read through
 * `deltaOf`, `tangentOf` and `sharedBasis` so a scan shares its arrays across points.
 */
export interface FisherQuery {
  delta: TensorPatch;
  tangent: TensorPatch;
}

/** A point given by per-tensor multiples of one fixed patch: delta[n] = deltaScale(n)·basis[n], tangent[n] = tangentScale(n)·basis[n]. */
export function scaledPoint(basis: TensorPatch, deltaScale: Map<string, number>, tangentScale: Map<string, number>): FisherQuery {
  return { delta: new ScaledPatch(basis, deltaScale), tangent: new ScaledPatch(basis, tangentScale) };
}

/** The straight-line point θ̂ + t·v (the tangent is v itself at every t). */
export function linePoint(v: TensorPatch, t: number): FisherQuery {
  const names = [...v.keys()];
  return scaledPoint(v, new Map(names.map((n) => [n, t])), new Map(names.map((n) => [n, 1])));
}

/** A patch's arrays themselves (a ScaledPatch built; any other patch as it is): a direction handed on as a plain patch. */
export function arraysOf(p: TensorPatch): TensorPatch {
  return p instanceof ScaledPatch ? p.arrays() : p;
}

/** A query's factors when its delta and tangent are multiples of one basis (a `scaledPoint`), else null. */
export interface ScaledPoint { basis: TensorPatch; delta: Map<string, number>; tangent: Map<string, number> }

export function sharedBasis(q: FisherQuery): ScaledPoint | null {
  const { delta: d, tangent: t } = q;
  return d instanceof ScaledPatch && t instanceof ScaledPatch && d.basis === t.basis ? { basis: d.basis, delta: d.scale, tangent: t.scale } : null;
}

/*
 * Reading a query: every engine reads a query through these, so a scaled query (a line, an
 * orbit) hands its fixed arrays and multipliers and nothing is allocated per scan point.
 */

/** One tensor of a patch as (array, multiplier); [null, 0] when the patch does not hold it. */
function factorOf(p: TensorPatch, name: string): [Float64Array | null, number] {
  if (p instanceof ScaledPatch) return [p.basis.get(name) ?? null, p.scale.get(name) ?? 0];
  const a = p.get(name);
  return a ? [a, 1] : [null, 0];
}

/** The delta of one tensor as (array, multiplier); [null, 0] when the query does not move it. */
export function deltaOf(q: FisherQuery, name: string): [Float64Array | null, number] {
  return factorOf(q.delta, name);
}

/** The tangent of one tensor as (array, multiplier). */
export function tangentOf(q: FisherQuery, name: string): [Float64Array | null, number] {
  return factorOf(q.tangent, name);
}

/** The tensors a query moves or differentiates along. */
export function touchedTensors(q: FisherQuery): string[] {
  return [...new Set([...q.delta.keys(), ...q.tangent.keys()])];
}

/** The arrays whose non-zero pattern bounds where a query acts (supports). */
export function supportArrays(q: FisherQuery): TensorPatch[] {
  const s = sharedBasis(q);
  return s ? [s.basis] : [q.delta, q.tangent];
}

export interface EngineProgress { done: number; total: number }

/**
 * The one interface both engines implement. `prepare` runs the forward pass once and
 * caches the activations at every op input, so a query only recomputes downstream of
 * the first op its patches touch. `directionalFisher` takes many queries (directions ×
 * scan points) at once; every query is averaged over all probe inputs.
 */
export interface FisherEngine {
  readonly name: 'cpu' | 'webgpu';
  /** adapter / implementation description, recorded in settings */
  readonly description: string;
  /** the precision the scans run in (recorded in settings) */
  readonly precision: 'f32' | 'f64';
  /** why this engine runs the read (set by createEngine; written to the JSON settings) */
  choice?: string;
  /**
   * Directions the read hands over per `directionalFisher` call (default 16: results stream in
   * small steps). A thread pool takes more, so its workers meet at fewer barriers.
   */
  readonly directionsPerCall?: number;
  /** `signal`: a cancel during the forward pass lands between its nodes (CancelledError) */
  prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * The unperturbed values of the prepared graph in f64, by value id, all probe samples (N × size):
   * the statistics detectors and per-layer results read. Both engines give the same f64 numbers.
   */
  values(): Promise<Float64Array[]>;
  /** F_v(θ) for each query (METHOD.md §1), in query order. */
  directionalFisher(
    queries: FisherQuery[],
    options?: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void },
  ): Promise<Float64Array>;
  dispose(): void;
}

export class CancelledError extends Error {
  constructor() {
    super('read cancelled');
    this.name = 'CancelledError';
  }
}

/** Lets the event loop run: a timer, not a microtask, so messages already posted (a cancel) are delivered first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/**
 * The one way long work honours a cancel: awaited between steps, it lets the event loop run at
 * most every `everyMs` (so a cancel message, a signal or a timer can land; awaiting it in between
 * costs a resolved promise) and throws CancelledError once `signal` is aborted. Engines await it
 * between chunks of queries, the read pipeline between detectors and layers, detectors between
 * layers and probe samples of their dense passes (DetectorContext.pause).
 */
export function pauser(signal?: AbortSignal, everyMs = 25): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= everyMs) {
      await yieldToEventLoop();
      last = performance.now();
    }
    if (signal?.aborted) throw new CancelledError();
  };
}
