/**
 * The graph IR beyond a chain: a residual block (a value read twice, an op with two inputs) built
 * from architecture JSON, read by the CPU engine's sparse flows and the reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import { consumersOf, graphError, isChain } from '../../src/model/graph.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint, type FisherQuery } from '../../src/engine/types.ts';
import { graphToArch } from '../../src/state/arch.ts';
import { architectureFromJson } from '../../src/model/infer.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { createRng, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import { denseFisher, jvpVsCentralDifferences, residualGraph, RESIDUAL_ARCH, RESIDUAL_TENSORS } from '../helpers/residual.ts';

describe('graph IR: a residual block', () => {
  const g = residualGraph();

  it('is a graph with value ids, two inputs to add and a value read twice', () => {
    expect(isChain(g)).toBe(false);
    expect(g.nodes[3]).toEqual({ id: 4, op: { kind: 'add' }, inputs: [3, 1] });
    expect(consumersOf(g).get(1)!.map((n) => n.id)).toEqual([2, 4]);
    expect(g.outputWidth).toBe(3);
    expect(graphError(g)).toBeNull();
    // the architecture JSON round-trips, inputs included
    const back = architectureFromJson(JSON.parse(JSON.stringify(graphToArch(g))), RESIDUAL_TENSORS, null, {});
    expect(back.nodes.map((n) => n.inputs)).toEqual(g.nodes.map((n) => n.inputs));
  });

  it('refuses an add of values of different shapes and an input read before it exists', () => {
    const t = (name: string, shape: number[]) => ({ name, shape });
    const tensors = [t('0.weight', [8, 6]), t('0.bias', [8]), t('2.weight', [5, 8]), t('2.bias', [5]), t('ln.weight', [8]), t('ln.bias', [8]), t('6.weight', [3, 8]), t('6.bias', [3])];
    expect(() => architectureFromJson(RESIDUAL_ARCH, tensors, null, {})).toThrow(/different shapes/);
    const early = { ...RESIDUAL_ARCH, layers: RESIDUAL_ARCH.layers.map((l, i) => (i === 3 ? { ...l, inputs: [3, 5] } : l)) };
    expect(() => architectureFromJson(early, [...tensors.slice(0, 2), t('2.weight', [8, 8]), t('2.bias', [8]), ...tensors.slice(4)], null, {})).toThrow(/earlier values/);
  });

  it('JVP of the whole graph equals central differences', () => {
    const rng = createRng(3);
    const params = randomParams(g, rng);
    const probe = randomProbe(g, 5, rng);
    const v = randomPatch(params, [...params.keys()], rng);
    expect(jvpVsCentralDifferences(g, params, probe, v)).toBeLessThan(1e-7);
  });

  for (const head of ['classification', 'regression'] as const) it(`sparse CPU engine = dense evaluation (${head})`, async () => {
    const rng = createRng(11);
    const params = randomParams(g, rng);
    const probe = randomProbe(g, 7, rng);
    const engine = new CpuEngine();
    await engine.prepare(g, params, probe, head);
    const ctx = { model: g, params, probe, head, values: await engine.values(), settings: DEFAULT_SETTINGS, rng };
    // node death of the first layer's units is not offered: their value also feeds the residual add
    const cands = [...nodeDeath.detect(ctx), ...(await bottomSubspace.detect(ctx))];
    expect(cands.some((c) => c.layer === '0' && c.detector === 'node-death')).toBe(false);
    expect(cands.length).toBeGreaterThan(3);
    const queries: FisherQuery[] = [];
    for (const c of cands) for (const t of [0, 0.2]) queries.push(linePoint(c.direction(), t));
    // a single weight of each layer: sparse flows through the add on a union of supports
    for (const name of ['0.weight', '2.weight', '6.weight', 'ln.bias']) {
      const a = new Float64Array(params.get(name)!.data.length);
      a[1] = 1;
      queries.push(linePoint(new Map([[name, a]]), 0.1));
    }
    queries.push({ delta: randomPatch(params, ['0.bias', '2.weight'], rng), tangent: randomPatch(params, ['0.weight', '6.bias'], rng) });
    const F = await engine.directionalFisher(queries);
    queries.forEach((q, i) => {
      const ref = denseFisher(g, params, probe, head, q);
      expect(Math.abs(F[i] - ref)).toBeLessThanOrEqual(1e-10 * Math.max(ref, 1e-12));
    });
  });
});
