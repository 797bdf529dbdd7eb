/** A residual block built as architecture JSON with `inputs` (the graph IR beyond a chain), for engine tests. */
import { architectureFromJson } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import type { FisherQuery, Head, ParamSet, ProbeSet, TensorPatch } from '../../src/engine/types.ts';
import { evaluateDense, withDelta } from '../../src/ops/interpret.ts';
import { fisherPerSample, mean } from '../../src/engine/cpu/fisher.ts';

/**
 * x[6] → 0: linear 6→8 (v1) → relu (v2) → 2: linear 8→8 (v3) → add(v3, v1) (v4, v1 read twice)
 * → layernorm (v5) → gelu (v6) → 6: linear 8→3 (v7).
 */
export const RESIDUAL_ARCH = {
  inputShape: [6], activation: 'relu',
  layers: [
    { op: 'linear', prefix: '0' }, { op: 'activation' }, { op: 'linear', prefix: '2' },
    { op: 'add', inputs: [3, 1] }, { op: 'layernorm', prefix: 'ln' }, { op: 'activation', fn: 'gelu' }, { op: 'linear', prefix: '6' },
  ],
};

const t = (name: string, shape: number[]) => ({ name, shape });
export const RESIDUAL_TENSORS = [
  t('0.weight', [8, 6]), t('0.bias', [8]), t('2.weight', [8, 8]), t('2.bias', [8]), t('ln.weight', [8]), t('ln.bias', [8]),
  t('6.weight', [3, 8]), t('6.bias', [3]),
];

export function residualGraph(): ModelGraph {
  return architectureFromJson(RESIDUAL_ARCH, RESIDUAL_TENSORS, null, {});
}

/** F_v by the dense f64 reference interpreter (what every engine is checked against). */
export function denseFisher(g: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head, q: FisherQuery): number {
  const r = evaluateDense(g, withDelta(params, q.delta), probe.data, probe.count, { tangent: q.tangent });
  return mean(fisherPerSample(head, r.z, r.dz!, probe.count, r.outWidth));
}

/** Largest error of the graph's dense JVP along v against central differences (h = 1e-5), relative to the largest |JVP|. */
export function jvpVsCentralDifferences(g: ModelGraph, params: ParamSet, probe: ProbeSet, v: TensorPatch): number {
  const { dz } = evaluateDense(g, params, probe.data, probe.count, { tangent: v });
  const h = 1e-5;
  const scaled = (s: number) => new Map([...v].map(([n, a]) => [n, a.map((x) => x * s)]));
  const zp = evaluateDense(g, withDelta(params, scaled(h)), probe.data, probe.count).z;
  const zm = evaluateDense(g, withDelta(params, scaled(-h)), probe.data, probe.count).z;
  let err = 0, mag = 0;
  zp.forEach((_, i) => {
    err = Math.max(err, Math.abs((zp[i] - zm[i]) / (2 * h) - dz![i]));
    mag = Math.max(mag, Math.abs(dz![i]));
  });
  return err / mag;
}
