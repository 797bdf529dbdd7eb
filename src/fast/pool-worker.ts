/**
 * A worker of the CPU engine's thread pool (src/fast/pool.ts): keeps one prepared CpuEngine per
 * read (parameters and probe arrive once as shared memory) and answers chunks of queries.
 */
import { CpuEngine } from '../engine/cpu/engine.ts';
import { scaledPoint, type FisherQuery, type TensorPatch } from '../engine/types.ts';
import type { PoolTask } from './pool.ts';

let session: string | null = null;
let engine: CpuEngine | null = null;

export default async function answer(task: PoolTask): Promise<Float64Array> {
  if (session !== task.session.id) {
    const s = task.session;
    engine = new CpuEngine({ precision: s.precision });
    const params = new Map(s.params.map(([name, shape, data]) => [name, { shape, data: new Float64Array(data) }]));
    await engine.prepare(s.model, params, { count: s.probe.count, shape: s.probe.shape, data: new Float64Array(s.probe.data) }, s.head);
    session = s.id;
  }
  const bases: TensorPatch[] = task.bases.map((b) => new Map(b));
  const queries: FisherQuery[] = task.queries.map((q) => {
    if (q.kind === 'scaled') {
      return scaledPoint(bases[q.basis], new Map(q.delta), new Map(q.tangent));
    }
    return { delta: new Map(q.delta), tangent: new Map(q.tangent) };
  });
  return engine!.directionalFisher(queries);
}
