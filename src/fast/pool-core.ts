/**
 * The CPU engine on a pool of threads, whatever the threads are: Node worker threads (tinypool,
 * src/fast/pool.ts) or the browser's Web Workers nested in the read worker (src/fast/pool-browser.ts).
 * Nothing here imports Node or the DOM.
 *
 * The main thread runs the forward pass once and puts its values, the parameters and the graph into
 * shared memory; every worker starts with them (a `PoolSession`), so it builds its fast-scan caches
 * from the main thread's activations instead of repeating the forward pass, and a task carries only
 * its queries. N threads are the main thread and N − 1 workers: the main thread would otherwise
 * wait through every call, and each worker costs its own start and warm-up. Each `directionalFisher`
 * call is cut into chunks of one direction (all its points: the fast scan works per direction); every
 * thread gets the whole call once and claims chunks through a shared counter until none are left,
 * writing F into shared memory, so no worker waits on the main thread between chunks (on a busy
 * machine each such hand-off cost a wake-up) and a slow direction does not leave a core idle. The read hands a pool large calls (`directionsPerCall`): each call ends
 * at a barrier. Patches travel by their non-zeros (a node-death basis is ~1 000 numbers; built dense
 * it is megabytes). Every query is computed by the same code as on one thread, so the F are identical.
 */
import { CpuEngine } from '../engine/cpu/engine.ts';
import {
  CancelledError, SparsePatch, pauser, scaledPoint, sharedBasis, type EngineProgress, type FisherQuery, type Head, type NonZeros, type ParamArray,
  type ParamSet, type TensorPatch,
} from '../engine/types.ts';
import type { ModelGraph } from '../model/graph.ts';
import { HalfTensor, type HeldTensor } from '../format/held-tensor.ts';
import type { Precision } from './unit-scan.ts';

/** A patch as it crosses threads: its non-zeros when it has them, else its dense arrays. */
export type SerialPatch = { sparse: Map<string, NonZeros> } | { dense: Map<string, Float64Array> };
export type SerialQuery =
  | { kind: 'scaled'; basis: number; delta: Map<string, number>; tangent: Map<string, number> }
  | { kind: 'patch'; delta: SerialPatch; tangent: SerialPatch };

/** What every thread of one read's pool computes from (it travels with each task; the buffers are shared, not copied). */
export interface PoolSession {
  /** which prepared read of the engine (a worker rebuilds its engine when this changes) */
  id: number;
  precision: Precision;
  model: ModelGraph;
  head: Head;
  n: number;
  /** each tensor in its stored dtype: F16/BF16 words (each thread decodes through its own cache), float32, f64 */
  params: [name: string, shape: number[], data: SharedArrayBuffer, held: 'F16' | 'BF16' | 'f32' | 'f64'][];
  /** the main thread's forward pass: value id → N × size, f64 */
  values: SharedArrayBuffer[];
}

/** One call's queries, cut into chunks (query positions [chunkEnds[c − 1], chunkEnds[c])). */
export interface PoolTask {
  session: PoolSession;
  bases: SerialPatch[];
  queries: SerialQuery[];
  chunkEnds: Int32Array;
  /** shared: the next chunk to claim (Atomics.add) */
  next: Int32Array;
  /** shared: F of every query, in the task's order */
  F: Float64Array;
  /** shared: chunks answered by each thread (0: the main thread, w + 1: worker w) */
  answered: Int32Array;
}

/** The started workers (threads − 1): `run(w, task)` hands worker w the task and resolves when it has claimed its last chunk. */
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
function shared(a: ParamArray | Uint16Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(buf).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return buf;
}

/** A held tensor's shared copy, in its stored dtype. */
function sharedParam([name, t]: [string, HeldTensor]): PoolSession['params'][number] {
  if (t instanceof HalfTensor) return [name, t.shape, shared(t.words), t.dtype];
  return [name, t.shape, shared(t.data), t.data instanceof Float32Array ? 'f32' : 'f64'];
}

function heldParam([name, shape, data, held]: PoolSession['params'][number]): [string, HeldTensor] {
  if (held === 'F16' || held === 'BF16') return [name, new HalfTensor(held, shape, new Uint16Array(data))];
  return [name, { shape, data: held === 'f32' ? new Float32Array(data) : new Float64Array(data) }];
}

/** A thread's engine, built from a session (the main thread's forward pass; no pass of its own). */
export function sessionEngine(s: PoolSession): CpuEngine {
  const e = new CpuEngine({ precision: s.precision });
  const params = new Map(s.params.map(heldParam));
  e.adopt(s.model, params, s.n, s.head, s.values.map((b) => new Float64Array(b)));
  return e;
}

/** A worker's engine for a task's session: built on the first task of each session, then kept. */
export function sessionEngines(): (s: PoolSession) => CpuEngine {
  let id = -1;
  let engine: CpuEngine | null = null;
  return (s) => {
    if (s.id !== id || !engine) {
      engine?.dispose();
      engine = sessionEngine(s);
      id = s.id;
    }
    return engine;
  };
}

/**
 * A thread's side of a task: claims chunks until none are left; writes their F into the task's shared
 * array. `pause` between chunks lets the main thread's event loop run (a cancel, the workers' replies).
 */
export async function answerTask(engine: CpuEngine, task: PoolTask, thread: number, pause?: () => Promise<void>): Promise<void> {
  const bases = task.bases.map(patchOf);
  const { chunkEnds, next, F } = task;
  for (let c = Atomics.add(next, 0, 1); c < chunkEnds.length; c = Atomics.add(next, 0, 1)) {
    await pause?.();
    const from = c === 0 ? 0 : chunkEnds[c - 1];
    const queries: FisherQuery[] = task.queries.slice(from, chunkEnds[c]).map((q) =>
      q.kind === 'scaled' ? scaledPoint(bases[q.basis], q.delta, q.tangent) : { delta: patchOf(q.delta), tangent: patchOf(q.tangent) });
    F.set(await engine.directionalFisher(queries), from);
    Atomics.add(task.answered, thread, 1);
  }
}

/** The pooled engine; the runtime supplies how its workers start (`startWorkers`). */
export abstract class SharedMemoryPoolEngine extends CpuEngine {
  readonly threads: number;
  /** a call is a barrier (every worker waits for the slowest chunk): few large calls, each split finely */
  readonly directionsPerCall: number;
  private workers: WorkerGroup | null = null;
  /** the main thread's share of the chunks: an engine on the same session as the workers' */
  private local: CpuEngine | null = null;
  /** chunks (directions) each thread answered since the read was prepared: [main thread, worker 0, …] */
  chunksPerThread: number[] = [];
  private session: PoolSession | null = null;
  private sessions = 0;

  constructor(options: { precision?: Precision; threads: number }) {
    super(options);
    this.threads = Math.max(1, options.threads);
    this.directionsPerCall = 64 * this.threads;
    (this as { description: string }).description = `${this.description} × ${this.threads} threads`;
    // the workers start loading now, while the caller opens the file and runs the forward pass
    this.workers = this.threads > 1 ? this.startWorkers() : null;
  }

  /** Start `this.threads − 1` workers (called with threads > 1); a session comes with each task. */
  protected abstract startWorkers(): WorkerGroup;

  adopt(model: ModelGraph, params: ParamSet, n: number, head: Head, values: Float64Array[]): void {
    const sharedValues = values.map(shared);
    const session: PoolSession = {
      id: this.sessions++, precision: this.precision, model, head, n,
      params: [...params].map(sharedParam),
      values: sharedValues,
    };
    // this engine hands queries on: it keeps the values (shared views) and builds no scan caches;
    // its share of the chunks goes to `local`, built from the session as a worker's engine is
    super.adopt(model, params, n, head, sharedValues.map((b) => new Float64Array(b)), false);
    if (this.threads > 1) this.workers ??= this.startWorkers();
    this.session = session;
    this.local = sessionEngine(session);
    this.chunksPerThread = new Array<number>(this.threads).fill(0);
  }

  async directionalFisher(
    queries: FisherQuery[], options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const { signal } = options;
    if (signal?.aborted) throw new CancelledError();
    // chunks: one direction each (all points of one basis), largest first
    const groups = new Map<unknown, number[]>();
    queries.forEach((q, i) => {
      const key = sharedBasis(q)?.basis ?? q;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const chunks = [...groups.values()].sort((a, b) => b.length - a.length);
    const order = chunks.flat();
    const F = new Float64Array(new SharedArrayBuffer(8 * queries.length));
    const job: PoolTask = {
      session: this.session!,
      ...task(order.map((i) => queries[i])),
      chunkEnds: Int32Array.from(chunks.reduce<number[]>((ends, c) => [...ends, (ends.at(-1) ?? 0) + c.length], [])),
      next: new Int32Array(new SharedArrayBuffer(4)),
      F,
      answered: new Int32Array(new SharedArrayBuffer(4 * this.threads)),
    };
    // a cancel makes the workers claim no further chunk (one direction's work at most is waited for)
    const stop = () => Atomics.store(job.next, 0, chunks.length);
    signal?.addEventListener('abort', stop);
    try {
      // the same job to every worker and to this thread; each claims chunks until none are left (no
      // thread waits on a hand-off per chunk) and writes its F into shared memory
      const workers = Math.min(this.threads, chunks.length) - 1;
      const running = Array.from({ length: workers }, (_, w) => this.workers!.run(w, job));
      await Promise.all([...running, answerTask(this.local!, job, 0, pauser(signal))]);
    } finally {
      signal?.removeEventListener('abort', stop);
      job.answered.forEach((c, t) => (this.chunksPerThread[t] += c));
    }
    if (signal?.aborted) throw new CancelledError();
    const out = new Float64Array(queries.length);
    order.forEach((q, a) => (out[q] = F[a]));
    options.onProgress?.({ done: queries.length, total: queries.length });
    return out;
  }

  dispose(): void {
    super.dispose();
    this.local?.dispose();
    this.local = null;
    this.session = null;
    this.workers?.destroy();
    this.workers = null;
  }
}

function task(queries: FisherQuery[]): Pick<PoolTask, 'bases' | 'queries'> {
  const bases: SerialPatch[] = [];
  const basisIndex = new Map<TensorPatch, number>();
  const serial = queries.map((q): SerialQuery => {
    const s = sharedBasis(q);
    if (!s) return { kind: 'patch', delta: serialPatch(q.delta), tangent: serialPatch(q.tangent) };
    let b = basisIndex.get(s.basis);
    if (b === undefined) {
      basisIndex.set(s.basis, (b = bases.length));
      bases.push(serialPatch(s.basis));
    }
    return { kind: 'scaled', basis: b, delta: s.delta, tangent: s.tangent };
  });
  return { bases, queries: serial };
}
