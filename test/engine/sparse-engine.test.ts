/** The sparse CPU engine equals the plain dense evaluation on structured and dense queries. */
import { describe, expect, it } from 'vitest';
import type { ModelGraph, Op } from '../../src/model/graph.ts';
import type { FisherQuery, Head } from '../../src/engine/types.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng, graph, randomParams, randomProbe } from '../helpers/models.ts';
import { denseFisher } from '../helpers/residual.ts';
import { nodeDeath } from '../../src/detectors/node-death.ts';
import { bottomSubspace } from '../../src/detectors/bottom-subspace.ts';
import { reluRescaling } from '../../src/detectors/relu-rescaling.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { linePoint } from '../../src/engine/types.ts';


const bn = (l: string): Op => ({ kind: 'batchnorm', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, runningMean: `${l}.running_mean`, runningVar: `${l}.running_var`, eps: 1e-5 });
const conv = (l: string, i: number, o: number, k: number): Op => ({ kind: 'conv2d', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inChannels: i, outChannels: o, kernel: [k, k], stride: [1, 1], padding: [0, 0] });
const lin = (l: string, i: number, o: number): Op => ({ kind: 'linear', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inFeatures: i, outFeatures: o });

const models: [string, ModelGraph, Head][] = [
  ['MLP relu, classification', graph([6], [lin('0', 6, 9), { kind: 'activation', fn: 'relu' }, lin('2', 9, 5), { kind: 'activation', fn: 'relu' }, lin('4', 5, 4)]), 'classification'],
  ['MLP layernorm gelu, regression', graph([5], [lin('0', 5, 8), { kind: 'layernorm', layer: '1', weight: '1.weight', bias: '1.bias', eps: 1e-5 }, { kind: 'activation', fn: 'gelu' }, lin('3', 8, 1)]), 'regression'],
  ['conv net like the MNIST one', graph([1, 10, 10], [
    conv('c0', 1, 3, 3), { kind: 'activation', fn: 'relu' }, conv('c2', 3, 4, 3), { kind: 'activation', fn: 'relu' }, bn('b4'),
    { kind: 'maxpool', kernel: 2, stride: 2 }, { kind: 'flatten' }, lin('l', 36, 3),
  ]), 'classification'],
];

describe('sparse CPU engine = dense evaluation', () => {
  for (const [name, g, head] of models) {
    it(name, async () => {
      const rng = createRng(7);
      const params = randomParams(g, rng);
      const probe = randomProbe(g, 6, rng);
      const engine = new CpuEngine({ precision: 'f64' });
      await engine.prepare(g, params, probe, head);
      const ctx = { model: g, params, probe, head, values: await engine.values(), settings: DEFAULT_SETTINGS, rng };
      const cands = [...nodeDeath.detect(ctx), ...(await bottomSubspace.detect(ctx)), ...reluRescaling.detect(ctx)];
      expect(cands.length).toBeGreaterThan(3);
      const queries: FisherQuery[] = [];
      for (const c of cands) {
        const v = c.direction();
        for (const t of [0, 1e-3, 0.3]) queries.push(linePoint(v, t));
        // the same points with an explicit delta (the path every orbit takes)
        queries.push({ delta: linePoint(v, 0.05).delta, tangent: v });
        // orbit points hand scaled arrays; the dense reference reads the materialized ones
        if (c.orbit) for (const t of [1e-3, 0.4]) queries.push(c.orbit(t));
      }
      const F = await engine.directionalFisher(queries);
      queries.forEach((q, i) => {
        const ref = denseFisher(g, params, probe, head, q);
        expect(Math.abs(F[i] - ref)).toBeLessThanOrEqual(1e-10 * Math.max(ref, 1e-12));
      });
    });
  }
});
