/**
 * The explorer's handle on the read worker. The UI calls only this:
 *
 *   const reader = createReader();               // spawns src/worker/read.worker.ts
 *   const off = reader.onNotice((msg) => …);     // e.g. "WebGPU device lost — continuing on the CPU engine"
 *   const summary = await reader.inspect(files, options);         // header, tensor table, architecture
 *   const result = await reader.read(files, options, (e) => …);   // ReadEvent: progress | direction | notice
 *   reader.cancel();                              // the running read rejects with CancelledError at the next step of its work
 *   await reader.backend();                       // { name: 'cpu' | 'webgpu', description }
 *   reader.dispose();                             // terminate the worker
 *
 * `files` is a ReadFiles of Blobs (src/worker/api.ts): they are passed to the worker by reference
 * (structured clone of a Blob copies no bytes) and the client keeps them, so that when the
 * worker's WebGPU device is lost or the worker crashes (its `error` event), the client terminates
 * it, starts a worker on the CPU engine, emits a notice (to onNotice listeners and as a
 * {type: 'notice'} event of the running read) and re-runs the interrupted call on the same files.
 * A cancelled read is never retried. `read` callbacks are wrapped with Comlink.proxy here.
 *
 * The worker factory can be replaced (tests run the worker's ReaderService over a MessageChannel
 * in Node): createReader({ spawn: (backend) => ({ endpoint, terminate, onCrash }) }).
 */
import * as Comlink from 'comlink';
import type { EngineInfo, ReadEvent, ReadFiles } from './api.ts';
import type { WorkerApi, WorkerNotice } from './read.worker.ts';
import type { ReadOptions } from '../read/options.ts';
import type { ReadResult } from '../read/schema.ts';
import type { CheckpointSummary } from '../model/inspect.ts';
import type { Backend } from '../engine/select.ts';
import { CancelledError } from '../engine/types.ts';

/** A started worker as the client sees it. */
export interface WorkerPort {
  endpoint: Comlink.Endpoint;
  terminate(): void;
  /** Call `cb` when the worker crashes (an `error` event). */
  onCrash(cb: (message: string) => void): void;
}

export interface ReaderHandle {
  inspect(files: ReadFiles, options?: Partial<ReadOptions>): Promise<CheckpointSummary>;
  read(files: ReadFiles, options: Partial<ReadOptions>, onEvent: (e: ReadEvent) => void): Promise<ReadResult>;
  cancel(): void;
  backend(): Promise<EngineInfo>;
  /** Listen to notices (fallbacks); returns an unsubscribe function. */
  onNotice(cb: (message: string) => void): () => void;
  /** The backend reads are forced to ('cpu' after a fallback), or null when the read options decide. */
  readonly forcedBackend: Backend | null;
  dispose(): void;
}

export interface ReaderOptions {
  /** force a backend for every read (default: each read's options.backend decides) */
  backend?: Backend | null;
  /** start a worker (default: a module worker on read.worker.ts) */
  spawn?: (backend: Backend | null) => WorkerPort;
}

export function spawnReadWorker(): WorkerPort {
  const w = new Worker(new URL('./read.worker.ts', import.meta.url), { type: 'module', name: 'deadscope-read' });
  return {
    endpoint: w,
    terminate: () => w.terminate(),
    onCrash: (cb) => {
      w.addEventListener('error', (e) => {
        e.preventDefault();
        cb(e.message || 'the read worker crashed');
      });
      w.addEventListener('messageerror', () => cb('the read worker sent a message that could not be read'));
    },
  };
}

class Crash extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrash';
  }
}

export function createReader(options: ReaderOptions = {}): ReaderHandle {
  const spawn = options.spawn ?? (() => spawnReadWorker());
  let forced: Backend | null = options.backend ?? null;
  /** why reads are forced to the CPU engine (a lost device, a crash), shown as each read's engine choice */
  let forcedWhy: string | null = null;
  const noticeListeners = new Set<(m: string) => void>();
  let disposed = false;

  interface Live { port: WorkerPort; api: Comlink.Remote<WorkerApi>; crashed: Promise<never>; ready: Promise<void> }
  let live: Live;
  /** why the current worker must be replaced (device lost), if it must */
  let pendingFallback: string | null = null;
  const runningEvents = new Set<(e: ReadEvent) => void>();

  const start = (): Live => {
    const port = spawn(forced);
    const api = Comlink.wrap<WorkerApi>(port.endpoint);
    let fail!: (e: Error) => void;
    const crashed = new Promise<never>((_, reject) => (fail = reject));
    crashed.catch(() => {});
    port.onCrash((m) => fail(new Crash(m)));
    const ready = (async () => {
      await api.configure(forced, forcedWhy);
      await api.subscribe(Comlink.proxy((n: WorkerNotice) => {
        if (n.type === 'device-lost') pendingFallback = n.message;
      }));
    })();
    ready.catch(() => {});
    return { port, api, crashed, ready };
  };
  live = start();

  const notice = (message: string) => {
    for (const l of noticeListeners) l(message);
    for (const e of runningEvents) e({ type: 'notice', message });
  };

  const fallback = (why: string) => {
    live.port.terminate();
    (live.api as unknown as { [Comlink.releaseProxy]?: () => void })[Comlink.releaseProxy]?.();
    forced = 'cpu';
    forcedWhy = why;
    pendingFallback = null;
    live = start();
    notice(`${why} — continuing on the CPU engine`);
  };

  /** Run a call on the live worker; on a crash or lost device, fall back to a CPU worker and retry once. */
  async function guarded<T>(call: (api: Comlink.Remote<WorkerApi>) => Promise<T>, canRetry: () => boolean): Promise<T> {
    if (disposed) throw new Error('reader disposed');
    if (pendingFallback && forced !== 'cpu') fallback(pendingFallback);
    for (let attempt = 0; ; attempt++) {
      const cur = live;
      try {
        await Promise.race([cur.ready, cur.crashed]);
        return await Promise.race([call(cur.api), cur.crashed]);
      } catch (e) {
        const err = e as Error;
        if (err.name === 'CancelledError') throw Object.assign(new CancelledError(), { message: err.message });
        const lost = err.name === 'DeviceLostError' || err instanceof Crash || pendingFallback !== null;
        if (!lost || attempt > 0 || forced === 'cpu' || disposed || !canRetry()) throw err;
        fallback(err instanceof Crash ? `the read worker crashed (${err.message})` : (pendingFallback ?? err.message));
      }
    }
  }

  let cancelled = false;

  return {
    get forcedBackend() {
      return forced;
    },
    inspect: (files, opts = {}) => guarded((api) => api.inspect(files, opts), () => true),
    async read(files, opts, onEvent) {
      cancelled = false;
      // a retry on the CPU worker reads from the start: directions already shown are not sent again
      // (the finished read's JSON replaces them all)
      const shown = new Set<string>();
      const forward = (e: ReadEvent) => {
        if (e.type === 'direction') {
          if (shown.has(e.direction.id)) return;
          shown.add(e.direction.id);
        }
        onEvent(e);
      };
      runningEvents.add(forward);
      try {
        return await guarded((api) => api.read(files, opts, Comlink.proxy(forward)), () => !cancelled);
      } finally {
        runningEvents.delete(forward);
      }
    },
    cancel() {
      cancelled = true;
      void live.api.cancel().catch(() => {});
    },
    backend: () => guarded((api) => api.backend(), () => true),
    onNotice(cb) {
      noticeListeners.add(cb);
      return () => noticeListeners.delete(cb);
    },
    dispose() {
      disposed = true;
      live.port.terminate();
    },
  };
}
