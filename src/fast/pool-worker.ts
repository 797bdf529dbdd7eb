/**
 * A worker of the CPU engine's thread pool in Node (src/fast/pool.ts): answers tasks
 * (src/fast/pool-core.ts) with an engine built from each task's session (graph, parameters and the
 * main thread's forward pass, in shared memory) on the first task of that read.
 */
import { answerTask, sessionEngines, type PoolTask } from './pool-core.ts';

const engineOf = sessionEngines();

export default function answer({ task, thread }: { task: PoolTask; thread: number }): Promise<void> {
  return answerTask(engineOf(task.session), task, thread);
}
