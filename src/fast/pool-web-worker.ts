/**
 * A worker of the CPU engine's pool in the browser (src/fast/pool-browser.ts), a Web Worker nested
 * in the read worker and reached through comlink: `answer` claims chunks of a task
 * (src/fast/pool-core.ts) with an engine built from the task's session (in shared memory) on the
 * first task of that read.
 */
import * as Comlink from 'comlink';
import { answerTask, sessionEngines, type PoolTask } from './pool-core.ts';

const engineOf = sessionEngines();

export const poolWorkerApi = {
  answer(task: PoolTask, thread: number): Promise<void> {
    return answerTask(engineOf(task.session), task, thread);
  },
};
export type PoolWorkerApi = typeof poolWorkerApi;

Comlink.expose(poolWorkerApi);
