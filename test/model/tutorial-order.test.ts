/**
 * PyTorch-tutorial attribute names (conv1, bn1, conv2, bn2, fc1, …): ordered by their numbers and
 * by which shapes chain, not alphabetically; the inferred chain computes what the tutorial's
 * forward() computes (a plain forward written here, f64).
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { loadModel, readCheckpoint } from '../../src/read/pipeline.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { inferArchitecture } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import { createRng } from '../../src/math/random.ts';

const kinds = (g: ModelGraph) => g.nodes.map(({ op }) => (op.kind === 'activation' ? op.fn : op.kind === 'maxpool' ? `pool${op.kernel}` : op.kind));

type Spec = Record<string, number[]>;
/** conv1 (1→2, 3×3), bn1, conv2 (2→3, 3×3), bn2, fc1 (3→4), fc2 (4→2): a 10×10 image pools to 1×1 */
const CNN: Spec = {
  'conv1.weight': [2, 1, 3, 3], 'conv1.bias': [2],
  'bn1.weight': [2], 'bn1.bias': [2], 'bn1.running_mean': [2], 'bn1.running_var': [2],
  'conv2.weight': [3, 2, 3, 3], 'conv2.bias': [3],
  'bn2.weight': [3], 'bn2.bias': [3], 'bn2.running_mean': [3], 'bn2.running_var': [3],
  'fc1.weight': [4, 3], 'fc1.bias': [4], 'fc2.weight': [2, 4], 'fc2.bias': [2],
};

function write(spec: Spec, metadata: Record<string, string> = {}): { bytes: Uint8Array; values: Record<string, Float64Array> } {
  const rng = createRng(42);
  const values: Record<string, Float64Array> = {};
  for (const [name, shape] of Object.entries(spec)) {
    const n = shape.reduce((a, b) => a * b, 1);
    values[name] = Float64Array.from({ length: n }, () => (name.endsWith('running_var') ? 0.5 + rng.next() : rng.normal() * 0.7));
  }
  // F64 so the plain forward below sees exactly the stored values
  const bytes = writeSafetensors(Object.entries(spec).map(([name, shape]) => ({ name, dtype: 'F64' as const, shape, data: values[name] })), { activation: 'relu', ...metadata });
  return { bytes, values };
}

/** The tutorial's forward(): pool(relu(bn1(conv1(x)))) → pool(relu(bn2(conv2(·)))) → flatten → relu(fc1) → fc2. */
function tutorialForward(v: Record<string, Float64Array>, x: Float64Array, side: number, bnAt: 'before-activation' | 'after-activation' | 'after-pool' = 'before-activation'): Float64Array {
  let c = 1, h = side, a = x;
  const conv = (name: string, out: number) => {
    const w = v[`${name}.weight`], b = v[`${name}.bias`], o = h - 2;
    const y = new Float64Array(out * o * o);
    for (let k = 0; k < out; k++) for (let i = 0; i < o; i++) for (let j = 0; j < o; j++) {
      let s = b[k];
      for (let ci = 0; ci < c; ci++) for (let di = 0; di < 3; di++) for (let dj = 0; dj < 3; dj++) s += w[((k * c + ci) * 3 + di) * 3 + dj] * a[(ci * h + i + di) * h + j + dj];
      y[(k * o + i) * o + j] = s;
    }
    c = out; h = o; a = y;
  };
  const bn = (name: string) => {
    const plane = h * h;
    a = a.map((z, idx) => {
      const k = Math.floor(idx / plane);
      return ((z - v[`${name}.running_mean`][k]) / Math.sqrt(v[`${name}.running_var`][k] + 1e-5)) * v[`${name}.weight`][k] + v[`${name}.bias`][k];
    });
  };
  const relu = () => { a = a.map((z) => Math.max(z, 0)); };
  const pool = () => {
    const o = Math.floor(h / 2);
    const y = new Float64Array(c * o * o);
    for (let k = 0; k < c; k++) for (let i = 0; i < o; i++) for (let j = 0; j < o; j++) {
      y[(k * o + i) * o + j] = Math.max(a[(k * h + 2 * i) * h + 2 * j], a[(k * h + 2 * i) * h + 2 * j + 1], a[(k * h + 2 * i + 1) * h + 2 * j], a[(k * h + 2 * i + 1) * h + 2 * j + 1]);
    }
    h = o; a = y;
  };
  const block = (n: number, out: number) => {
    conv(`conv${n}`, out);
    if (bnAt === 'before-activation') bn(`bn${n}`);
    relu();
    if (bnAt === 'after-activation') bn(`bn${n}`);
    pool();
    if (bnAt === 'after-pool') bn(`bn${n}`);
  };
  block(1, 2);
  block(2, 3);
  const fc = (name: string, inp: Float64Array, out: number) => Float64Array.from({ length: out }, (_, o) => v[`${name}.bias`][o] + inp.reduce((s, z, i) => s + z * v[`${name}.weight`][o * inp.length + i], 0));
  const h1 = fc('fc1', a, 4).map((z) => Math.max(z, 0));
  return fc('fc2', h1, 2);
}

describe('PyTorch-tutorial names', () => {
  it('conv1, bn1, conv2, bn2, fc1, fc2: ordered by number and chaining (not alphabetically), input size from the pools', async () => {
    const { bytes, values } = write(CNN);
    const m = await loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'cnn.safetensors' }, { probe: 5 });
    expect(kinds(m.graph)).toEqual(['conv2d', 'batchnorm', 'relu', 'pool2', 'conv2d', 'batchnorm', 'relu', 'pool2', 'flatten', 'linear', 'relu', 'linear']);
    expect(m.graph.inputShape).toEqual([1, 10, 10]);
    expect(m.graph.warnings.join(' ')).toMatch(/layer order conv1 → bn1 → conv2 → bn2 → fc1 → fc2/);
    // the chain computes the tutorial's forward
    const { z } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
    for (let s = 0; s < m.probe.count; s++) {
      const ref = tutorialForward(values, m.probe.data.subarray(s * 100, (s + 1) * 100), 10);
      for (let o = 0; o < 2; o++) expect(z[s * 2 + o]).toBeCloseTo(ref[o], 12);
    }
    // and it reads end to end
    const r = await readCheckpoint({ checkpoint: bytesSource(bytes), checkpointName: 'cnn.safetensors' }, { probe: 16, perDecade: 2, detectors: ['node-death'] }, new CpuEngine());
    expect(r.directions.length).toBe(2 + 3 + 4);
  });
  it('BatchNorm after the activation when __metadata__.bn_position says so', async () => {
    const { bytes, values } = write(CNN, { bn_position: 'after-activation' });
    const m = await loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'cnn.safetensors' }, { probe: 3 });
    expect(kinds(m.graph).slice(0, 4)).toEqual(['conv2d', 'relu', 'batchnorm', 'pool2']);
    const { z } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
    const ref = tutorialForward(values, m.probe.data.subarray(0, 100), 10, 'after-activation');
    expect(z[0]).toBeCloseTo(ref[0], 12);
  });
  it('BatchNorm after the pooling (`bn_position: after-pool`): pool(relu(conv)) then bn; another position is refused by name', async () => {
    const { bytes, values } = write(CNN, { bn_position: 'after-pool' });
    const m = await loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'cnn.safetensors' }, { probe: 4 });
    expect(kinds(m.graph)).toEqual(['conv2d', 'relu', 'pool2', 'batchnorm', 'conv2d', 'relu', 'pool2', 'batchnorm', 'flatten', 'linear', 'relu', 'linear']);
    const { z } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
    for (let s = 0; s < m.probe.count; s++) {
      const ref = tutorialForward(values, m.probe.data.subarray(s * 100, (s + 1) * 100), 10, 'after-pool');
      for (let o = 0; o < 2; o++) expect(z[s * 2 + o]).toBeCloseTo(ref[o], 12);
    }
    // the three placements compute different functions on these weights (the test tells them apart)
    for (const at of ['before-activation', 'after-activation'] as const) {
      let gap = 0;
      for (let s = 0; s < m.probe.count; s++) {
        const o = tutorialForward(values, m.probe.data.subarray(s * 100, (s + 1) * 100), 10, at);
        gap += Math.abs(o[0] - z[s * 2]) + Math.abs(o[1] - z[s * 2 + 1]);
      }
      expect(gap, at).toBeGreaterThan(1e-6);
    }
    const bad = write(CNN, { bn_position: 'after-linear' });
    await expect(loadModel({ checkpoint: bytesSource(bad.bytes), checkpointName: 'cnn.safetensors' }, { probe: 2 })).rejects.toThrow(/bn_position "after-linear" is not one of before-activation, after-activation, after-pool/);
  });
  it('a known input size picks the pools that fit it (the MNIST tutorial: one pool after conv2)', () => {
    const g = inferArchitecture([
      { name: 'conv1.weight', shape: [4, 1, 3, 3] }, { name: 'conv1.bias', shape: [4] },
      { name: 'conv2.weight', shape: [8, 4, 3, 3] }, { name: 'conv2.bias', shape: [8] },
      { name: 'fc1.weight', shape: [16, 8 * 12 * 12] }, { name: 'fc1.bias', shape: [16] },
      { name: 'fc2.weight', shape: [10, 16] }, { name: 'fc2.bias', shape: [10] },
    ], { activation: 'relu' }, { inputFeatures: 784 });
    expect(kinds(g)).toEqual(['conv2d', 'relu', 'conv2d', 'relu', 'pool2', 'flatten', 'linear', 'relu', 'linear']);
    expect(g.inputShape).toEqual([1, 28, 28]);
  });
  it('an MLP named fc1, fc2, fc3 and layers that chain in no order', () => {
    const g = inferArchitecture([{ name: 'fc2.weight', shape: [3, 5] }, { name: 'fc1.weight', shape: [5, 4] }, { name: 'fc3.weight', shape: [1, 3] }], { activation: 'tanh' });
    expect(kinds(g)).toEqual(['linear', 'tanh', 'linear', 'tanh', 'linear']);
    expect(() => inferArchitecture([{ name: 'fc1.weight', shape: [5, 4] }, { name: 'fc2.weight', shape: [3, 7] }], null)).toThrow(/chain in no order/);
  });
});
