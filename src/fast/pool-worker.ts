/**
 * A worker of the CPU engine's thread pool in Node (src/fast/pool.ts): its pool's workerData is one
 * read's session (graph, parameters and the main thread's forward pass, in shared memory); it builds
 * its engine from it when it starts and answers tasks (src/fast/pool-core.ts).
 */
import Tinypool from 'tinypool';
import { answerTask, sessionEngine, type PoolSession, type PoolTask } from './pool-core.ts';

// built as the worker starts (tinypool loads this module then), while the main thread runs the detectors
const engine = sessionEngine(Tinypool.workerData as PoolSession);

export default function answer(task: PoolTask): Promise<void> {
  return answerTask(engine, task);
}
