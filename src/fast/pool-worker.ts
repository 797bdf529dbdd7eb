/**
 * A worker of the CPU engine's thread pool (src/fast/pool.ts): its pool's workerData is one read
 * (graph, parameters and the main thread's forward pass, in shared memory); it builds its engine
 * from them when it starts and answers chunks of queries.
 */
import Tinypool from 'tinypool';
import { CpuEngine } from '../engine/cpu/engine.ts';
import { scaledPoint, type FisherQuery } from '../engine/types.ts';
import { patchOf, type PoolSession, type PoolTask } from './pool.ts';

function prepared(): CpuEngine {
  const s = Tinypool.workerData as PoolSession;
  const e = new CpuEngine({ precision: s.precision });
  const params = new Map(s.params.map(([name, shape, data, f32]) => [name, { shape, data: f32 ? new Float32Array(data) : new Float64Array(data) }]));
  e.adopt(s.model, params, s.n, s.head, s.values.map((b) => new Float64Array(b)));
  return e;
}

// built as the worker starts (tinypool loads this module then), while the main thread runs the detectors
const engine = prepared();

/** Claims chunks of the task until none are left; writes their F into the task's shared array. */
export default async function answer(task: PoolTask): Promise<void> {
  const bases = task.bases.map(patchOf);
  const { chunkEnds, next, F } = task;
  for (let c = Atomics.add(next, 0, 1); c < chunkEnds.length; c = Atomics.add(next, 0, 1)) {
    const from = c === 0 ? 0 : chunkEnds[c - 1];
    const queries: FisherQuery[] = task.queries.slice(from, chunkEnds[c]).map((q) =>
      q.kind === 'scaled' ? scaledPoint(bases[q.basis], q.delta, q.tangent) : { delta: patchOf(q.delta), tangent: patchOf(q.tangent) });
    F.set(await engine.directionalFisher(queries), from);
  }
}
