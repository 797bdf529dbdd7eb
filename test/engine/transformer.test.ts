/**
 * The transformer ops in a graph (test/helpers/transformer.ts: token ids → embedding → positions →
 * LayerNorm → attention → residual add → last position → linear) on the CPU engine: its sparse
 * flows (embedding, positions, take) and dense fallback (attention) against the dense f64
 * reference interpreter, the whole graph's JVP against central differences, and plain messages
 * for token ids that do not fit.
 */
import { describe, expect, it } from 'vitest';
import { graphError } from '../../src/model/graph.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { graphToArch } from '../../src/state/arch.ts';
import { architectureFromJson } from '../../src/model/infer.ts';
import { createRng, randomPatch, randomProbe } from '../helpers/models.ts';
import { denseFisher, jvpVsCentralDifferences } from '../helpers/residual.ts';
import { TRANSFORMER_TENSORS, transformerGraph, transformerParams, transformerQueries } from '../helpers/transformer.ts';

describe('transformer ops in a graph (CPU engine)', () => {
  const g = transformerGraph();

  it('reads token ids and round-trips through architecture JSON', () => {
    expect(g.inputType).toBe('token');
    expect(graphError(g)).toBeNull();
    expect(g.outputWidth).toBe(3);
    const back = architectureFromJson(JSON.parse(JSON.stringify(graphToArch(g))), TRANSFORMER_TENSORS, null, {});
    expect(back.nodes).toEqual(g.nodes);
  });

  it('JVP of the whole graph equals central differences', () => {
    const rng = createRng(3);
    const params = transformerParams(g, rng);
    const probe = randomProbe(g, 4, rng);
    const v = randomPatch(params, [...params.keys()], rng);
    expect(jvpVsCentralDifferences(g, params, probe, v)).toBeLessThan(1e-7);
  });

  for (const head of ['classification', 'regression'] as const) it(`sparse CPU engine = dense f64 reference (${head})`, async () => {
    const rng = createRng(5);
    const params = transformerParams(g, rng);
    const probe = randomProbe(g, 6, rng);
    const engine = new CpuEngine({ precision: 'f64' });
    await engine.prepare(g, params, probe, head);
    const queries = transformerQueries(params, probe.data, 9);
    const F = await engine.directionalFisher(queries);
    queries.forEach((q, i) => {
      const ref = denseFisher(g, params, probe, head, q);
      expect(Math.abs(F[i] - ref), `query ${i}`).toBeLessThanOrEqual(1e-10 * Math.max(ref, 1e-12));
    });
    // a direction on positions past T moves nothing
    expect(F[params.size + 3]).toBe(0);
    expect(F.filter((f) => f > 0).length).toBeGreaterThan(params.size);
  });

  it('refuses token ids that are not ids of the vocabulary, with a plain message', async () => {
    const params = transformerParams(g);
    const bad = { count: 1, shape: [5], data: Float64Array.from([1, 2, 13, 0, 4]) };
    await expect(new CpuEngine().prepare(g, params, bad, 'classification')).rejects.toThrow(/token id 13 at element 2 of the input is not an integer in \[0, 13\)/);
    const frac = { count: 1, shape: [5], data: Float64Array.from([1, 2, 0.5, 0, 4]) };
    await expect(new CpuEngine().prepare(g, params, frac, 'classification')).rejects.toThrow(/not an integer/);
    // a graph built without inputType 'token' is checked all the same
    await expect(new CpuEngine().prepare({ ...g, inputType: 'float' }, params, bad, 'classification')).rejects.toThrow(/token id 13/);
  });

  it('refuses a position table shorter than the sequence, with a plain message', async () => {
    const params = transformerParams(g);
    params.set('wpe.weight', { shape: [1, 4, 8], data: new Float64Array(32) });
    const probe = randomProbe(g, 2, createRng(2));
    await expect(new CpuEngine().prepare(g, params, probe, 'classification')).rejects.toThrow(/tensor wpe\.weight \[1,4,8\] holds 32 values; Positions wpe needs 40/);
  });
});
