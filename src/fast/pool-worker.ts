/**
 * A worker of the CPU engine's thread pool (src/fast/pool.ts): its pool's workerData is one read
 * (graph, parameters and the main thread's forward pass, in shared memory); it builds its engine
 * from them on the first task and answers chunks of queries.
 */
import Tinypool from 'tinypool';
import { CpuEngine } from '../engine/cpu/engine.ts';
import { scaledPoint, type FisherQuery } from '../engine/types.ts';
import { patchOf, type PoolSession, type PoolTask } from './pool.ts';

let engine: CpuEngine | null = null;

function prepared(): CpuEngine {
  if (engine) return engine;
  const s = Tinypool.workerData as PoolSession;
  engine = new CpuEngine({ precision: s.precision });
  const params = new Map(s.params.map(([name, shape, data, f32]) => [name, { shape, data: f32 ? new Float32Array(data) : new Float64Array(data) }]));
  engine.adopt(s.model, params, s.n, s.head, s.values.map((b) => new Float64Array(b)));
  return engine;
}

export default async function answer(task: PoolTask): Promise<Float64Array> {
  const bases = task.bases.map(patchOf);
  const queries: FisherQuery[] = task.queries.map((q) =>
    q.kind === 'scaled' ? scaledPoint(bases[q.basis], q.delta, q.tangent) : { delta: patchOf(q.delta), tangent: patchOf(q.tangent) });
  return prepared().directionalFisher(queries);
}
