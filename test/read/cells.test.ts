/**
 * Closed-form cells (METHOD §8) written with the project's own safetensors writer and read
 * through the engine: the order-k cell reads k = 1…4, the Gaussian anchor F·t² = 2k²·KL holds,
 * and a dead direction reads the same order after a random orthogonal change of basis.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { loadModel, scanLine } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { evaluateDense, withDelta } from '../../src/ops/interpret.ts';
import { classifyDirection } from '../../src/read/classify.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';
import { createRng, randomUnitVector } from '../../src/math/random.ts';
import { randomOrthogonal } from '../../src/math/linalg.ts';
import type { TensorPatch } from '../../src/engine/types.ts';
import { linePoint } from '../../src/engine/types.ts';

type Cell = { tensors: Record<string, number[][]>; activation: string; direction: Record<string, number[]> };

/** y = a·s^k realised with the ops deadscope has (s = 0, a = 1 unless said). */
const CELLS: Record<number, Cell> = {
  // y = a·(s·x): identity chain, direction s
  1: { tensors: { '0.weight': [[0]], '1.weight': [[1]] }, activation: 'identity', direction: { '0.weight': [1] } },
  // y = a·relu2(s·x) = a·s²·x₊²
  2: { tensors: { '0.weight': [[0]], '2.weight': [[1]] }, activation: 'relu2', direction: { '0.weight': [1] } },
  // the same cell at a = s = 0 along (s, a)/√2: Δy = (t/√2)·((t/√2)x)₊² ~ t³ (node death of a squared-ReLU unit)
  3: { tensors: { '0.weight': [[0]], '2.weight': [[0]] }, activation: 'relu2', direction: { '0.weight': [Math.SQRT1_2], '2.weight': [Math.SQRT1_2] } },
  // y = a·relu2(b·relu2(s·x)) = s⁴·x₊⁴ at a = b = 1
  4: { tensors: { '0.weight': [[0]], '2.weight': [[1]], '4.weight': [[1]] }, activation: 'relu2', direction: { '0.weight': [1] } },
};

function cellFile(cell: Cell): Uint8Array {
  return writeSafetensors(
    Object.entries(cell.tensors).map(([name, rows]) => ({ name, dtype: 'F64' as const, shape: [rows.length, rows[0].length], data: rows.flat() })),
    { activation: cell.activation, head: 'regression' },
  );
}

async function prepared(bytes: Uint8Array, probe = 512) {
  const m = await loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'cell.safetensors' }, { probe, seed: 3 });
  // the identities hold to 1e-9: the f64 engine (the default CPU engine scans units in f32)
  const engine = new CpuEngine({ precision: 'f64' });
  await engine.prepare(m.graph, m.params, m.probe, m.head);
  return { m, engine };
}

const patch = (d: Record<string, number[]>): TensorPatch => new Map(Object.entries(d).map(([n, v]) => [n, Float64Array.from(v)]));

describe('order-k cell y = a·s^k', () => {
  for (const k of [1, 2, 3, 4]) {
    it(`reads k = ${k}`, async () => {
      const { engine } = await prepared(cellFile(CELLS[k]));
      const grid = scanGrid(DEFAULT_SETTINGS);
      const v = patch(CELLS[k].direction);
      const F = await scanLine(engine, v, grid);
      const c = classifyDirection({ t: grid, F, fLive: Math.max(...F), settings: DEFAULT_SETTINGS, isGauge: false, predictedK: k });
      expect(c.kRounded).toBe(k);
      expect(Math.abs(c.k! - k)).toBeLessThan(1e-6);
      expect(c.class).toBe(k === 1 ? 'live' : 'singular');
      expect(c.lambda).toBeCloseTo(1 / (2 * k), 12);
    });
  }
});

describe('Gaussian anchor: F·t² = 2k²·KL exactly', () => {
  for (const k of [1, 2, 3, 4]) {
    it(`k = ${k}`, async () => {
      const { m, engine } = await prepared(cellFile(CELLS[k]), 64);
      const v = patch(CELLS[k].direction);
      const base = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count).z;
      for (const t of [1e-3, 0.05, 0.7]) {
        const [F] = await engine.directionalFisher([linePoint(v, t)]);
        const moved = evaluateDense(m.graph, withDelta(m.params, linePoint(v, t).delta), m.probe.data, m.probe.count).z;
        // KL(N(f_t, 1) ‖ N(f_0, 1)) averaged over the probe = E[Δf²]/2
        let kl = 0;
        for (let i = 0; i < base.length; i++) kl += (moved[i] - base[i]) ** 2 / 2;
        kl /= m.probe.count;
        expect(Math.abs(F * t * t - 2 * k * k * kl)).toBeLessThanOrEqual(1e-9 * F * t * t);
      }
    });
  }
});

describe('basis invariance (METHOD §2)', () => {
  it('a dead direction inside the span of dead units reads the same k after a random orthogonal change of basis', async () => {
    const rng = createRng(5);
    const d = 4;
    const h = 6; // units 0–2 live, 3–5 dead (zero in and out)
    const W1 = Array.from({ length: h }, (_, j) => Array.from({ length: d }, () => (j < 3 ? rng.normal() : 0)));
    const W2 = [Array.from({ length: h }, (_, j) => (j < 3 ? rng.normal() : 0))];
    const bytes = writeSafetensors([
      { name: '0.weight', dtype: 'F64', shape: [h, d], data: W1.flat() },
      { name: '2.weight', dtype: 'F64', shape: [1, h], data: W2.flat() },
    ], { activation: 'relu2' });
    const { engine } = await prepared(bytes);
    const grid = scanGrid(DEFAULT_SETTINGS);
    const alpha = randomUnitVector(d, rng);
    // a direction in the dead span: unit 3's (row, column), in the neuron basis …
    const coeff = [1, 0, 0];
    // … and the same dead-span direction after rotating the dead units' basis by R
    const R = randomOrthogonal(3, rng);
    const rotated = [0, 1, 2].map((i) => R[i * 3 + 0]);
    const direction = (c: number[]): TensorPatch => {
      const a = new Float64Array(h * d);
      const b = new Float64Array(h);
      c.forEach((cj, j) => {
        for (let i = 0; i < d; i++) a[(3 + j) * d + i] = (cj * alpha[i]) / Math.SQRT2;
        b[3 + j] = cj / Math.SQRT2;
      });
      return new Map([['0.weight', a], ['2.weight', b]]);
    };
    const ks = [];
    for (const c of [coeff, rotated]) {
      const F = await scanLine(engine, direction(c), grid);
      const r = classifyDirection({ t: grid, F, fLive: 1, settings: DEFAULT_SETTINGS, isGauge: false, predictedK: 3 });
      expect(r.kRounded).toBe(3);
      ks.push(r.k!);
    }
    expect(Math.abs(ks[0] - ks[1])).toBeLessThan(1e-6);
  });
});
