/**
 * The WebGPU engine on the one-block transformer of test/helpers/transformer.ts (token ids as f32
 * numbers → embedding → positions → LayerNorm → attention → residual add → last position →
 * linear): the value-keyed dense plan with every transformer kernel, F against the f64 CPU engine
 * within f32 accuracy, and the same plain refusal of token ids outside the vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { createRng, randomProbe } from '../helpers/models.ts';
import { transformerGraph, transformerParams, transformerQueries } from '../helpers/transformer.ts';
import { skipNote, testGpu } from './gpu.ts';
import { expectGpuFisherAsCpu, f64Reference } from './parity.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a transformer block${skipNote(gpu)}`, () => {
  for (const head of ['classification', 'regression'] as const) it(`equals the f64 CPU engine (${head})`, async () => {
    const graph = transformerGraph();
    const rng = createRng(21);
    const c = { graph, params: transformerParams(graph, rng), probe: randomProbe(graph, 7, rng), head };
    const { cpu } = await f64Reference(c, rng);
    const modes = await expectGpuFisherAsCpu(gpu!, c, cpu, transformerQueries(c.params, c.probe.data, 23), { maxQueriesPerBatch: 4, maxSamplesPerBatch: 5 });
    expect(modes.every((m) => m.startsWith('graph('))).toBe(true);
  });

  it('refuses token ids outside the vocabulary and a short position table, with plain messages', async () => {
    const g = transformerGraph();
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description);
    const bad = { count: 1, shape: [5], data: Float64Array.from([1, 2, 3, -1, 4]) };
    await expect(engine.prepare(g, transformerParams(g), bad, 'classification')).rejects.toThrow(/token id -1 at element 3/);
    // a position table shorter than the sequence would be read past its end
    const short = transformerParams(g);
    short.set('wpe.weight', { shape: [1, 4, 8], data: new Float64Array(32) });
    await expect(engine.prepare(g, short, randomProbe(g, 2, createRng(2)), 'classification')).rejects.toThrow(/wpe\.weight \[1,4,8\] holds 32 values/);
    engine.dispose();
  });
});
