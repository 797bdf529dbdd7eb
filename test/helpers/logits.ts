/** The centred-logit head's test model and its finite-difference reference (CPU and WebGPU tests). */
import { chainGraph, type Op } from '../../src/model/graph.ts';
import { evaluateDense, withDelta } from '../../src/ops/interpret.ts';
import type { ParamSet, ProbeSet, TensorPatch } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { randomParams, randomProbe } from './models.ts';

export const K = 5;
export const model = chainGraph([6], [
  { kind: 'linear', layer: '0', weight: '0.weight', bias: '0.bias', inFeatures: 6, outFeatures: 8 },
  { kind: 'activation', fn: 'tanh' },
  { kind: 'linear', layer: '2', weight: '2.weight', bias: '2.bias', inFeatures: 8, outFeatures: K },
] as Op[]);
// large weights: a confident softmax on most samples
export const params = randomParams(model, createRng(21), 3);
export const probe: ProbeSet = randomProbe(model, 64, createRng(22));

/** E ‖P (z(θ + (t+h)v) − z(θ + (t−h)v)) / 2h‖², the centred-logit Fisher by central differences. */
export function centredFd(p: ParamSet, v: TensorPatch, t: number): number {
  const h = 1e-5;
  const at = (s: number) => evaluateDense(model, withDelta(p, new Map([...v].map(([n, a]) => [n, a.map((x) => x * s)]))), probe.data, probe.count).z;
  const zp = at(t + h), zm = at(t - h);
  let F = 0;
  for (let s = 0; s < probe.count; s++) {
    const d = Array.from({ length: K }, (_, c) => (zp[s * K + c] - zm[s * K + c]) / (2 * h));
    const m = d.reduce((a, b) => a + b, 0) / K;
    F += d.reduce((a, x) => a + (x - m) ** 2, 0);
  }
  return F / probe.count;
}

function unitNorm(p: TensorPatch): TensorPatch {
  const n = Math.sqrt([...p.values()].reduce((s, a) => s + a.reduce((t, x) => t + x * x, 0), 0));
  return new Map([...p].map(([k, a]) => [k, a.map((x) => x / n)]));
}

const rng = createRng(23);
export const dense = unitNorm(new Map([...params].map(([n, t]) => [n, Float64Array.from(t.data, () => rng.normal())])));
// node death of hidden unit 3: its row and bias, its column (the fast scan's kind of direction)
export const unitDir = (() => {
  const a = new Float64Array(48), b = new Float64Array(8), c = new Float64Array(K * 8);
  for (let k = 0; k < 6; k++) a[3 * 6 + k] = params.get('0.weight')!.data[3 * 6 + k];
  b[3] = params.get('0.bias')!.data[3];
  for (let o = 0; o < K; o++) c[o * 8 + 3] = params.get('2.weight')!.data[o * 8 + 3];
  return unitNorm(new Map([['0.weight', a], ['0.bias', b], ['2.weight', c]]));
})();

