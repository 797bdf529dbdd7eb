/**
 * The CPU engine on every core (Node). The main thread runs the forward pass once and puts its
 * values, the parameters and the graph into shared memory; a tinypool of workers is started with
 * them as its workerData (one pool per prepared read), so a worker builds its fast-scan caches
 * from the main thread's activations instead of repeating the forward pass, and a task carries
 * only its queries. Each `directionalFisher` call is cut into chunks that keep all points of one
 * direction together (the fast scan works per direction), a few chunks per worker so a slow
 * direction does not leave a core idle. Patches travel by their non-zeros (a node-death basis is
 * ~1 000 numbers; built dense it is megabytes). Every query is computed by the same code as on one
 * thread, so the F are identical.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { freshBundle } from '../../bin/fresh-bundle.mjs';
import { CpuEngine } from '../engine/cpu/engine.ts';
import {
  CancelledError, SparsePatch, type EngineProgress, type FisherQuery, type Head, type NonZeros, type ParamArray, type ParamSet,
  type TensorPatch,
} from '../engine/types.ts';
import type { ModelGraph } from '../model/graph.ts';
import type { Precision } from './unit-scan.ts';

/** A patch as it crosses threads: its non-zeros when it has them, else its dense arrays. */
export type SerialPatch = { sparse: Map<string, NonZeros> } | { dense: Map<string, Float64Array> };
export type SerialQuery =
  | { kind: 'scaled'; basis: number; delta: Map<string, number>; tangent: Map<string, number> }
  | { kind: 'patch'; delta: SerialPatch; tangent: SerialPatch };

/** What every worker of one read's pool starts with (tinypool workerData). */
export interface PoolSession {
  precision: Precision;
  model: ModelGraph;
  head: Head;
  n: number;
  params: [name: string, shape: number[], data: SharedArrayBuffer, f32: boolean][];
  /** the main thread's forward pass: value id → N × size, f64 */
  values: SharedArrayBuffer[];
}

export interface PoolTask {
  bases: SerialPatch[];
  queries: SerialQuery[];
}

export function serialPatch(p: TensorPatch): SerialPatch {
  return p instanceof SparsePatch ? { sparse: p.nonZeros } : { dense: new Map(p) };
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

/**
 * The workers' module: in the CLI bundle it is built beside it; from the sources, the bundle's
 * copy while it is fresh (bin/fresh-bundle.mjs), else the TypeScript through tsx (~0.5 s of
 * compiling in every worker).
 */
function workerEntry(): string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./pool-worker.mjs', import.meta.url).href;
  const built = freshBundle('pool-worker.mjs');
  return built ? pathToFileURL(built).href : new URL('./pool-worker-source.mjs', import.meta.url).href;
}

/** Chunks a worker gets per call: enough that the last chunk is short beside the call. */
const CHUNKS_PER_THREAD = 3;

export class PooledCpuEngine extends CpuEngine {
  readonly threads: number;
  private pool: Tinypool | null = null;

  constructor(options: { precision?: Precision; threads?: number } = {}) {
    super(options);
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    (this as { description: string }).description = `${this.description} × ${this.threads} threads`;
  }

  adopt(model: ModelGraph, params: ParamSet, n: number, head: Head, values: Float64Array[]): void {
    const sharedValues = values.map(shared);
    const session: PoolSession = {
      precision: this.precision, model, head, n,
      params: [...params].map(([name, t]) => [name, t.shape, shared(t.data), t.data instanceof Float32Array]),
      values: sharedValues,
    };
    // this thread only hands queries on: it keeps the values (shared views) and builds no scan caches
    super.adopt(model, params, n, head, sharedValues.map((b) => new Float64Array(b)), false);
    void this.pool?.destroy();
    this.pool = new Tinypool({
      filename: workerEntry(),
      minThreads: this.threads,
      maxThreads: this.threads,
      workerData: session,
    });
  }

  async directionalFisher(
    queries: FisherQuery[], options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const { signal } = options;
    if (signal?.aborted) throw new CancelledError();
    // directions (all points of one basis), then spread over the chunks by query count
    const groups = new Map<unknown, number[]>();
    queries.forEach((q, i) => {
      const key = q.scaled ? q.scaled.basis : q;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const chunks: number[][] = Array.from({ length: Math.min(this.threads * CHUNKS_PER_THREAD, groups.size) }, () => []);
    for (const g of [...groups.values()].sort((a, b) => b.length - a.length)) {
      chunks.reduce((min, c) => (c.length < min.length ? c : min), chunks[0]).push(...g);
    }
    const out = new Float64Array(queries.length);
    let done = 0;
    try {
      await Promise.all(chunks.map(async (idx) => {
        const F = (await this.pool!.run(task(idx.map((i) => queries[i])), signal ? { signal } : {})) as Float64Array;
        idx.forEach((q, a) => (out[q] = F[a]));
        done += idx.length;
        options.onProgress?.({ done, total: queries.length });
      }));
    } catch (e) {
      // tinypool ends an aborted task's worker and rejects with its own AbortError
      if (signal?.aborted) throw new CancelledError();
      throw e;
    }
    if (signal?.aborted) throw new CancelledError();
    return out;
  }

  dispose(): void {
    super.dispose();
    void this.pool?.destroy();
    this.pool = null;
  }
}

function task(queries: FisherQuery[]): PoolTask {
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
