/**
 * The CPU engine on a pool of threads, whatever the threads are: Node worker threads (tinypool,
 * src/fast/pool.ts) or the browser's Web Workers nested in the read worker (src/fast/pool-browser.ts).
 * Nothing here imports Node or the DOM.
 *
 * The main thread runs the forward pass once and puts its values, the parameters and the graph into
 * shared memory; every worker starts with them (a `PoolSession`), so it builds its fast-scan caches
 * from the main thread's activations instead of repeating the forward pass, and a task carries only
 * its queries. Each `directionalFisher` call is cut into chunks of one direction (all its points: the
 * fast scan works per direction); every worker gets the whole call once and claims chunks through a
 * shared counter until none are left, writing F into shared memory, so no worker waits on the main
 * thread between chunks (on a busy machine each such hand-off cost a wake-up) and a slow direction
 * does not leave a core idle. The read hands a pool large calls (`directionsPerCall`): each call ends
 * at a barrier. Patches travel by their non-zeros (a node-death basis is ~1 000 numbers; built dense
 * it is megabytes). Every query is computed by the same code as on one thread, so the F are identical.
 */
import { CpuEngine } from '../engine/cpu/engine.ts';
import {
  CancelledError, SparsePatch, scaledPoint, type EngineProgress, type FisherQuery, type Head, type NonZeros, type ParamArray,
  type ParamSet, type TensorPatch,
} from '../engine/types.ts';
import type { ModelGraph } from '../model/graph.ts';
import type { Precision } from './unit-scan.ts';

/** A patch as it crosses threads: its non-zeros when it has them, else its dense arrays. */
export type SerialPatch = { sparse: Map<string, NonZeros> } | { dense: Map<string, Float64Array> };
export type SerialQuery =
  | { kind: 'scaled'; basis: number; delta: Map<string, number>; tangent: Map<string, number> }
  | { kind: 'patch'; delta: SerialPatch; tangent: SerialPatch };

/** What every worker of one read's pool starts with. */
export interface PoolSession {
  precision: Precision;
  model: ModelGraph;
  head: Head;
  n: number;
  params: [name: string, shape: number[], data: SharedArrayBuffer, f32: boolean][];
  /** the main thread's forward pass: value id → N × size, f64 */
  values: SharedArrayBuffer[];
}

/** One call's queries, cut into chunks (query positions [chunkEnds[c − 1], chunkEnds[c])). */
export interface PoolTask {
  bases: SerialPatch[];
  queries: SerialQuery[];
  chunkEnds: Int32Array;
  /** shared: the next chunk to claim (Atomics.add) */
  next: Int32Array;
  /** shared: F of every query, in the task's order */
  F: Float64Array;
}

/** The started workers of one read: `run(w, task)` hands worker w the task and resolves when it has claimed its last chunk. */
export interface WorkerGroup {
  run(worker: number, task: PoolTask): Promise<void>;
  destroy(): void;
}

/** Dense arrays go into shared memory once, however many workers read them. */
export function serialPatch(p: TensorPatch): SerialPatch {
  return p instanceof SparsePatch ? { sparse: p.nonZeros } : { dense: new Map([...p].map(([n, a]) => [n, new Float64Array(shared(a))])) };
}

export function patchOf(s: SerialPatch): TensorPatch {
  return 'sparse' in s ? new SparsePatch(s.sparse) : s.dense;
}

/** A copy in shared memory, in the array's own element type. */
function shared(a: ParamArray): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.byteLength);
  (a instanceof Float32Array ? new Float32Array(buf) : new Float64Array(buf)).set(a);
  return buf;
}

/** A worker's engine, built from its session (the main thread's forward pass; no pass of its own). */
export function sessionEngine(s: PoolSession): CpuEngine {
  const e = new CpuEngine({ precision: s.precision });
  const params = new Map(s.params.map(([name, shape, data, f32]) => [name, { shape, data: f32 ? new Float32Array(data) : new Float64Array(data) }]));
  e.adopt(s.model, params, s.n, s.head, s.values.map((b) => new Float64Array(b)));
  return e;
}

/** A worker's side of a task: claims chunks until none are left; writes their F into the task's shared array. */
export async function answerTask(engine: CpuEngine, task: PoolTask): Promise<void> {
  const bases = task.bases.map(patchOf);
  const { chunkEnds, next, F } = task;
  for (let c = Atomics.add(next, 0, 1); c < chunkEnds.length; c = Atomics.add(next, 0, 1)) {
    const from = c === 0 ? 0 : chunkEnds[c - 1];
    const queries: FisherQuery[] = task.queries.slice(from, chunkEnds[c]).map((q) =>
      q.kind === 'scaled' ? scaledPoint(bases[q.basis], q.delta, q.tangent) : { delta: patchOf(q.delta), tangent: patchOf(q.tangent) });
    F.set(await engine.directionalFisher(queries), from);
  }
}

/** The pooled engine; the runtime supplies how its workers start (`startWorkers`). */
export abstract class SharedMemoryPoolEngine extends CpuEngine {
  readonly threads: number;
  /** a call is a barrier (every worker waits for the slowest chunk): few large calls, each split finely */
  readonly directionsPerCall: number;
  private workers: WorkerGroup | null = null;

  constructor(options: { precision?: Precision; threads: number }) {
    super(options);
    this.threads = Math.max(1, options.threads);
    this.directionsPerCall = 64 * this.threads;
    (this as { description: string }).description = `${this.description} × ${this.threads} threads`;
  }

  /** Start `this.threads` workers on a session. */
  protected abstract startWorkers(session: PoolSession): WorkerGroup;

  adopt(model: ModelGraph, params: ParamSet, n: number, head: Head, values: Float64Array[]): void {
    const sharedValues = values.map(shared);
    const session: PoolSession = {
      precision: this.precision, model, head, n,
      params: [...params].map(([name, t]) => [name, t.shape, shared(t.data), t.data instanceof Float32Array]),
      values: sharedValues,
    };
    // this thread only hands queries on: it keeps the values (shared views) and builds no scan caches
    super.adopt(model, params, n, head, sharedValues.map((b) => new Float64Array(b)), false);
    this.workers?.destroy();
    this.workers = this.startWorkers(session);
  }

  async directionalFisher(
    queries: FisherQuery[], options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const { signal } = options;
    if (signal?.aborted) throw new CancelledError();
    // chunks: one direction each (all points of one basis), largest first
    const groups = new Map<unknown, number[]>();
    queries.forEach((q, i) => {
      const key = q.scaled ? q.scaled.basis : q;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const chunks = [...groups.values()].sort((a, b) => b.length - a.length);
    const order = chunks.flat();
    const F = new Float64Array(new SharedArrayBuffer(8 * queries.length));
    const job: PoolTask = {
      ...task(order.map((i) => queries[i])),
      chunkEnds: Int32Array.from(chunks.reduce<number[]>((ends, c) => [...ends, (ends.at(-1) ?? 0) + c.length], [])),
      next: new Int32Array(new SharedArrayBuffer(4)),
      F,
    };
    // a cancel makes the workers claim no further chunk (one direction's work at most is waited for)
    const stop = () => Atomics.store(job.next, 0, chunks.length);
    signal?.addEventListener('abort', stop);
    try {
      // the same job to every worker; each claims chunks until none are left (no thread waits on a
      // hand-off per chunk) and writes its F into shared memory
      const workers = Math.min(this.threads, chunks.length);
      await Promise.all(Array.from({ length: workers }, (_, w) => this.workers!.run(w, job)));
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    if (signal?.aborted) throw new CancelledError();
    const out = new Float64Array(queries.length);
    order.forEach((q, a) => (out[q] = F[a]));
    options.onProgress?.({ done: queries.length, total: queries.length });
    return out;
  }

  dispose(): void {
    super.dispose();
    this.workers?.destroy();
    this.workers = null;
  }
}

function task(queries: FisherQuery[]): Pick<PoolTask, 'bases' | 'queries'> {
  const bases: SerialPatch[] = [];
  const basisIndex = new Map<TensorPatch, number>();
  const serial = queries.map((q): SerialQuery => {
    if (!q.scaled) return { kind: 'patch', delta: serialPatch(q.delta), tangent: serialPatch(q.tangent) };
    let b = basisIndex.get(q.scaled.basis);
    if (b === undefined) {
      basisIndex.set(q.scaled.basis, (b = bases.length));
      bases.push(serialPatch(q.scaled.basis));
    }
    return { kind: 'scaled', basis: b, delta: q.scaled.delta, tangent: q.scaled.tangent };
  });
  return { bases, queries: serial };
}
