/**
 * The CPU engine on every core, browser: the shared-memory pool of src/fast/pool-core.ts on Web
 * Workers nested in the read worker (src/worker/read.worker.ts), threads − 1 of them beside the read
 * worker's own thread, reached through
 * comlink. SharedArrayBuffer exists only on a cross-origin isolated page (COOP/COEP headers,
 * README "Serving the explorer"): `browserThreads` says how many threads a read may use here.
 */
import * as Comlink from 'comlink';
import { CancelledError } from '../engine/types.ts';
import { SharedMemoryPoolEngine, type WorkerGroup } from './pool-core.ts';
import type { PoolWorkerApi } from './pool-web-worker.ts';
import type { Precision } from './unit-scan.ts';

/** Threads a read may use in this browser context: the setting, or 1 where SharedArrayBuffer is withheld (not isolated). */
export function browserThreads(setting: number): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
  return isolated ? Math.max(1, Math.floor(setting)) : 1;
}

export class WebWorkerPoolEngine extends SharedMemoryPoolEngine {
  constructor(options: { precision?: Precision; threads: number }) {
    super(options);
  }

  protected startWorkers(): WorkerGroup {
    const workers = Array.from({ length: this.threads - 1 }, (_, i) =>
      new Worker(new URL('./pool-web-worker.ts', import.meta.url), { type: 'module', name: `deadscope-pool-${i}` }));
    // a worker that fails to load or throws outside a call, or is terminated, would leave its run
    // pending: the run fails instead
    const fail: ((e: Error) => void)[] = [];
    const crashed = workers.map((w, i) => new Promise<never>((_, reject) => {
      fail[i] = reject;
      w.addEventListener('error', (e) => {
        e.preventDefault();
        reject(new Error(`a CPU engine pool worker failed: ${e.message || 'it did not start'}`));
      });
    }));
    crashed.forEach((c) => c.catch(() => {}));
    const apis = workers.map((w) => Comlink.wrap<PoolWorkerApi>(w));
    return {
      run: (w, task) => Promise.race([apis[w].answer(task, w + 1), crashed[w]]),
      destroy: () => {
        workers.forEach((w) => w.terminate());
        fail.forEach((f) => f(new CancelledError()));
      },
    };
  }
}
