/**
 * The WebGPU engine on a branching graph (a residual block: add with two inputs, a value read
 * twice), value-keyed dense plan: F against the f64 CPU engine on node-death, bottom-subspace and
 * single-weight directions, within f32 accuracy.
 */
import { describe, expect, it } from 'vitest';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { createRng, randomParams, randomProbe } from '../helpers/models.ts';
import { residualGraph } from '../helpers/residual.ts';
import { skipNote, testGpu } from './gpu.ts';
import { expectGpuFisherAsCpu, f64Reference } from './parity.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a residual graph${skipNote(gpu)}`, () => {
  for (const head of ['classification', 'regression'] as const) it(`equals the f64 CPU engine (${head})`, async () => {
    const graph = residualGraph();
    const rng = createRng(17);
    const params = randomParams(graph, rng);
    const c = { graph, params, probe: randomProbe(graph, 11, rng), head };
    const { cpu, ctx } = await f64Reference(c, rng);
    const queries: FisherQuery[] = [];
    for (const d of [...nodeDeath.detect(ctx), ...(await bottomSubspace.detect(ctx))]) for (const t of [1e-2, 0.3]) queries.push(linePoint(d.direction(), t));
    for (const name of ['0.weight', '2.bias', 'ln.weight', '6.weight']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[2] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    const modes = await expectGpuFisherAsCpu(gpu!, c, cpu, queries, { maxQueriesPerBatch: 5, maxSamplesPerBatch: 4 });
    expect(modes.every((m) => m.startsWith('graph('))).toBe(true);
  });
});
