/**
 * The CPU engine on every core (Node): the main thread prepares as usual (the pipeline reads its
 * activations), and each `directionalFisher` call is cut into chunks that keep all points of one
 * direction together (the fast scan works per direction) and handed to a tinypool of workers, each
 * holding its own prepared engine. Parameters and probe are shared memory, sent once per read.
 * Every query is computed by the same code as on one thread, so the F are identical.
 */
import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import { CpuEngine } from '../engine/cpu/engine.ts';
import { CancelledError, type EngineProgress, type FisherQuery, type Head, type ParamArray, type ParamSet, type ProbeSet } from '../engine/types.ts';
import type { ModelGraph } from '../model/graph.ts';
import type { Precision } from './unit-scan.ts';

type Entries<V> = [string, V][];
type SerialQuery =
  | { kind: 'scaled'; basis: number; delta: Entries<number>; tangent: Entries<number> }
  | { kind: 'patch'; delta: Entries<Float64Array>; tangent: Entries<Float64Array> };

export interface PoolTask {
  session: {
    id: string;
    precision: Precision;
    model: ModelGraph;
    head: Head;
    params: [string, number[], SharedArrayBuffer][];
    probe: { count: number; shape: number[]; data: SharedArrayBuffer };
  };
  bases: Entries<Float64Array>[];
  queries: SerialQuery[];
}

/** An f64 copy in shared memory (a float32-held parameter widens exactly). */
function shared(a: ParamArray): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(8 * a.length);
  new Float64Array(buf).set(a);
  return buf;
}

export class PooledCpuEngine extends CpuEngine {
  readonly threads: number;
  private pool: Tinypool;
  private session: PoolTask['session'] | null = null;

  constructor(options: { precision?: Precision; threads?: number } = {}) {
    super(options);
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    const source = import.meta.url.endsWith('.ts');
    this.pool = new Tinypool({
      // from the sources the worker is TypeScript (run through tsx); in the CLI bundle it is built beside it
      filename: new URL(source ? './pool-worker-source.mjs' : './pool-worker.mjs', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
    });
    (this as { description: string }).description = `${this.description} × ${this.threads} threads`;
  }

  async prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head): Promise<void> {
    await super.prepare(model, params, probe, head);
    this.session = {
      id: `${Date.now()}-${Math.random()}`, precision: this.precision, model, head,
      params: [...params].map(([name, t]) => [name, t.shape, shared(t.data)]),
      probe: { count: probe.count, shape: probe.shape, data: shared(probe.data) },
    };
  }

  async directionalFisher(
    queries: FisherQuery[], options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    if (options.signal?.aborted) throw new CancelledError();
    // directions (all points of one basis), then spread over the workers by query count
    const groups = new Map<unknown, number[]>();
    queries.forEach((q, i) => {
      const key = q.scaled ? q.scaled.basis : q;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const chunks: number[][] = Array.from({ length: Math.min(this.threads, groups.size) }, () => []);
    for (const g of [...groups.values()].sort((a, b) => b.length - a.length)) {
      chunks.reduce((min, c) => (c.length < min.length ? c : min), chunks[0]).push(...g);
    }
    const out = new Float64Array(queries.length);
    let done = 0;
    await Promise.all(chunks.map(async (idx) => {
      const F = (await this.pool.run(this.task(idx.map((i) => queries[i])))) as Float64Array;
      idx.forEach((q, a) => (out[q] = F[a]));
      done += idx.length;
      options.onProgress?.({ done, total: queries.length });
    }));
    if (options.signal?.aborted) throw new CancelledError();
    return out;
  }

  private task(queries: FisherQuery[]): PoolTask {
    const bases: Entries<Float64Array>[] = [];
    const basisIndex = new Map<unknown, number>();
    const serial = queries.map((q): SerialQuery => {
      if (!q.scaled) return { kind: 'patch', delta: [...q.delta], tangent: [...q.tangent] };
      let b = basisIndex.get(q.scaled.basis);
      if (b === undefined) {
        basisIndex.set(q.scaled.basis, (b = bases.length));
        bases.push([...q.scaled.basis]);
      }
      return { kind: 'scaled', basis: b, delta: [...q.scaled.delta], tangent: [...q.scaled.tangent] };
    });
    return { session: this.session!, bases, queries: serial };
  }

  dispose(): void {
    super.dispose();
    void this.pool.destroy();
  }
}
