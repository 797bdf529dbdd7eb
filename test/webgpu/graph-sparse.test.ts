/**
 * The WebGPU engine's sparse start inside a branching graph: a query touching one unit of an MLP
 * inside a residual block (up row, down column) runs the chain's sparse plan over up → relu → down
 * and the value-keyed dense plan from the residual add on. F against the f64 CPU engine.
 */
import { describe, expect, it } from 'vitest';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { architectureFromJson } from '../../src/model/infer.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { skipNote, testGpu } from './gpu.ts';
import { expectGpuFisherAsCpu, f64Reference } from './parity.ts';

const gpu = await testGpu();

/** x[6] → ln (v1) → up 6→21 (v2) → relu (v3) → down 21→6 (v4) → add(v4, x) (v5) → head 6→3 (v6). */
const ARCH = {
  inputShape: [6], activation: 'relu',
  layers: [
    { op: 'layernorm', prefix: 'ln', eps: 1e-5 }, { op: 'linear', prefix: 'up' }, { op: 'activation' }, { op: 'linear', prefix: 'down' },
    { op: 'add', inputs: [4, 0] }, { op: 'linear', prefix: 'head' },
  ],
};
const t = (name: string, shape: number[]) => ({ name, shape });
const TENSORS = [t('ln.weight', [6]), t('ln.bias', [6]), t('up.weight', [21, 6]), t('up.bias', [21]), t('down.weight', [6, 21]), t('down.bias', [6]), t('head.weight', [3, 6]), t('head.bias', [3])];

describe.skipIf(!gpu)(`WebGPU engine: sparse start inside a residual block${skipNote(gpu)}`, () => {
  for (const head of ['classification', 'regression'] as const) it(`equals the f64 CPU engine (${head})`, async () => {
    const graph = architectureFromJson(ARCH, TENSORS, null, {});
    const rng = createRng(53);
    const params = randomParams(graph, rng);
    const c = { graph, params, probe: randomProbe(graph, 13, rng), head };
    const { cpu, ctx } = await f64Reference(c, rng);
    const units = nodeDeath.detect(ctx).filter((d) => d.layer === 'up');
    expect(units.length).toBe(21);
    const queries: FisherQuery[] = [];
    for (const d of units.slice(0, 7)) for (const s of [1e-2, 0.3]) queries.push(linePoint(d.direction(), s));
    const a = new Float64Array(params.get('up.weight')!.data.length);
    a[8] = 1;
    queries.push(linePoint(new Map([['up.weight', a]]), 0.1));
    // a query that also moves a tensor after the stretch (the head) and the whole down map
    queries.push({ delta: randomPatch(params, ['head.bias'], rng), tangent: randomPatch(params, ['down.weight', 'head.weight'], rng) });
    const modes = await expectGpuFisherAsCpu(gpu!, c, cpu, queries, { maxQueriesPerBatch: 4, maxSamplesPerBatch: 8 });
    expect(modes.some((m) => /^graph\(.*sparse-rows/.test(m)), modes.join('; ')).toBe(true);
  });
});
