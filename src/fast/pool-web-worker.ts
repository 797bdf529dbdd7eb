/**
 * A worker of the CPU engine's pool in the browser (src/fast/pool-browser.ts), a Web Worker nested
 * in the read worker and reached through comlink: `start` builds its engine from the read's session
 * (in shared memory), `answer` claims chunks of a task (src/fast/pool-core.ts).
 */
import * as Comlink from 'comlink';
import type { CpuEngine } from '../engine/cpu/engine.ts';
import { answerTask, sessionEngine, type PoolSession, type PoolTask } from './pool-core.ts';

let engine: CpuEngine | null = null;

export const poolWorkerApi = {
  start(session: PoolSession): void {
    engine = sessionEngine(session);
  },
  answer(task: PoolTask): Promise<void> {
    if (!engine) throw new Error('pool worker used before start');
    return answerTask(engine, task);
  },
};
export type PoolWorkerApi = typeof poolWorkerApi;

Comlink.expose(poolWorkerApi);
