/**
 * The WebGPU engine on the one-block transformer of test/helpers/transformer.ts (token ids as f32
 * numbers → embedding → positions → LayerNorm → attention → residual add → last position →
 * linear): the value-keyed dense plan with every transformer kernel, F against the f64 CPU engine
 * within f32 accuracy, and the same plain refusal of token ids outside the vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { createRng, randomProbe } from '../helpers/models.ts';
import { transformerGraph, transformerParams, transformerQueries } from '../helpers/transformer.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU engine on a transformer block${skipNote(gpu)}`, () => {
  for (const head of ['classification', 'regression'] as const) it(`equals the f64 CPU engine (${head})`, async () => {
    const g = transformerGraph();
    const rng = createRng(21);
    const params = transformerParams(g, rng);
    const probe = randomProbe(g, 7, rng);
    const cpu = new CpuEngine({ precision: 'f64' });
    await cpu.prepare(g, params, probe, head);
    const queries = transformerQueries(params, probe.data, 23);
    const want = await cpu.directionalFisher(queries);
    const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 4, maxSamplesPerBatch: 5 });
    await engine.prepare(g, params, probe, head);
    const got = await engine.directionalFisher(queries);
    expect(engine.lastStats.shapes.every((s) => s.mode.startsWith('graph('))).toBe(true);
    const top = Math.max(...want);
    want.forEach((w, i) => expect(Math.abs(got[i] - w), `query ${i}: ${got[i]} vs ${w}`).toBeLessThan(1e-4 * Math.max(w, 1e-3 * top)));
    engine.dispose();
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
