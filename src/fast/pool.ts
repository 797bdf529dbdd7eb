/**
 * The CPU engine on every core, Node: the shared-memory pool of src/fast/pool-core.ts on a
 * tinypool of worker threads (threads − 1 of them beside the main thread), started with the engine.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import Tinypool from 'tinypool';
import { freshBundle } from '../../bin/fresh-bundle.mjs';
import { SharedMemoryPoolEngine, type WorkerGroup } from './pool-core.ts';
import type { Precision } from './unit-scan.ts';

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

export class PooledCpuEngine extends SharedMemoryPoolEngine {
  constructor(options: { precision?: Precision; threads?: number } = {}) {
    super({ precision: options.precision, threads: options.threads ?? availableParallelism() });
  }

  protected startWorkers(): WorkerGroup {
    const workers = this.threads - 1;
    const pool = new Tinypool({ filename: workerEntry(), minThreads: workers, maxThreads: workers });
    // tinypool hands each of the concurrent runs to an idle thread: one run per thread
    return { run: (worker, task) => pool.run({ task, thread: worker + 1 }), destroy: () => void pool.destroy() };
  }
}
