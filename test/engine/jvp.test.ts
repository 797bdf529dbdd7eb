/** Forward-mode JVP of every op against central finite differences, in f64. */
import { describe, expect, it } from 'vitest';
import type { Activation, Op } from '../../src/model/graph.ts';
import { ACTIVATIONS, opTensors } from '../../src/model/graph.ts';
import { evaluateDense, withDelta } from '../../src/ops/interpret.ts';
import { createRng, graph, randomParams, randomPatch, randomProbe } from '../helpers/models.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import type { TensorPatch } from '../../src/engine/types.ts';

const lin = (layer: string, i: number, o: number, bias = true): Op => ({
  kind: 'linear', layer, weight: `${layer}.weight`, bias: bias ? `${layer}.bias` : null, inFeatures: i, outFeatures: o,
});
const act = (fn: Activation): Op => ({ kind: 'activation', fn });

/** max |JVP − FD| / max |JVP| for a tangent over every parameter. */
function jvpError(g: ModelGraph, seed: number): number {
  const rng = createRng(seed);
  const params = randomParams(g, rng);
  const probe = randomProbe(g, 5, rng);
  const names = g.nodes.flatMap(({ op }) => opTensors(op)).filter((n) => !/running_(mean|var)$/.test(n));
  const v: TensorPatch = randomPatch(params, names, rng);
  const { dz } = evaluateDense(g, params, probe.data, probe.count, { tangent: v });
  const h = 1e-5;
  const scaled = (s: number): TensorPatch => new Map([...v].map(([n, a]) => [n, a.map((x) => x * s)]));
  const zp = evaluateDense(g, withDelta(params, scaled(h)), probe.data, probe.count).z;
  const zm = evaluateDense(g, withDelta(params, scaled(-h)), probe.data, probe.count).z;
  let err = 0;
  let mag = 0;
  for (let i = 0; i < zp.length; i++) {
    err = Math.max(err, Math.abs((zp[i] - zm[i]) / (2 * h) - dz![i]));
    mag = Math.max(mag, Math.abs(dz![i]));
  }
  return err / mag;
}

describe('JVP matches central finite differences (f64)', () => {
  for (const fn of ACTIVATIONS) {
    it(`linear → ${fn} → linear`, () => {
      // inputs stay away from the ReLU kink with probability one
      expect(jvpError(graph([4], [lin('0', 4, 7), act(fn), lin('2', 7, 3)]), 11)).toBeLessThan(1e-7);
    });
  }
  it('layernorm (input and affine tangents)', () => {
    expect(jvpError(graph([6], [lin('0', 6, 5), { kind: 'layernorm', layer: '1', weight: '1.weight', bias: '1.bias', eps: 1e-5 }, lin('2', 5, 2)]), 3)).toBeLessThan(1e-7);
  });
  it('batchnorm (eval) on vectors and images', () => {
    const bn = (l: string): Op => ({ kind: 'batchnorm', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, runningMean: `${l}.running_mean`, runningVar: `${l}.running_var`, eps: 1e-5 });
    expect(jvpError(graph([6], [lin('0', 6, 5), bn('1'), lin('2', 5, 2)]), 4)).toBeLessThan(1e-7);
    const conv: Op = { kind: 'conv2d', layer: 'c', weight: 'c.weight', bias: 'c.bias', inChannels: 2, outChannels: 3, kernel: [3, 3], stride: [1, 1], padding: [0, 0] };
    expect(jvpError(graph([2, 6, 6], [conv, bn('b'), { kind: 'flatten' }, lin('l', 48, 2)]), 5)).toBeLessThan(1e-7);
  });
  it('conv2d with stride and padding, maxpool, flatten', () => {
    const conv: Op = { kind: 'conv2d', layer: 'c', weight: 'c.weight', bias: 'c.bias', inChannels: 2, outChannels: 3, kernel: [3, 2], stride: [2, 1], padding: [1, 0] };
    // [2,7,6] → conv → [3,4,5] → pool 2 → [3,2,2]
    expect(jvpError(graph([2, 7, 6], [conv, act('tanh'), { kind: 'maxpool', kernel: 2, stride: 2 }, { kind: 'flatten' }, lin('l', 12, 3)]), 6)).toBeLessThan(1e-7);
  });
});
