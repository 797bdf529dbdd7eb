/**
 * The dual-factor bottom subspace (METHOD §4 notes) and K-FAC for conv layers, against values
 * derived independently of the detectors and engines:
 *  - a planted squared-ReLU net whose dead units have zero rows and columns: along a dual-factor
 *    direction v = (u αᵀ, β uᵀ)/√2, Δf = t³ Σ_i ΔW_out[:,i] (ΔW_in[i]·x)₊², so F(t) is in closed form;
 *  - ts_relu2_adamw_s1: F along the first dual-factor direction by central differences of a plain
 *    f64 forward pass written here, and the read of its order (3) beside K-FAC's (2);
 *  - a small conv net: the conv K-FAC factors against im2col by loops and ∂z/∂y by finite differences.
 */
import { describe, expect, it } from 'vitest';
import { chainGraph, type ModelGraph, type Op } from '../../src/model/graph.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { linePoint, type Head, type ParamSet, type ProbeSet, type TensorPatch } from '../../src/engine/types.ts';
import { createRng } from '../../src/math/random.ts';
import { symmetricEigen } from '../../src/math/linalg.ts';
import { dualFactor } from '../../src/detectors/dual-factor.ts';
import { bottomSubspace, kfacFactors } from '../../src/detectors/bottom-subspace.ts';
import type { DetectorContext } from '../../src/detectors/types.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';
import { loadFixture, readFixture } from '../helpers/read.ts';
import { randomParams, randomProbe } from '../helpers/models.ts';

const lin = (l: string, i: number, o: number, bias = false): Op => ({
  kind: 'linear', layer: l, weight: `${l}.weight`, bias: bias ? `${l}.bias` : null, inFeatures: i, outFeatures: o,
});

function context(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head, bottomK = 8): DetectorContext {
  const values = evaluateDense(model, params, probe.data, probe.count, { keepValues: true }).values!;
  return { model, params, probe, head, values, settings: { ...DEFAULT_SETTINGS, bottomK }, rng: createRng(7) };
}

async function engineF(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head, v: TensorPatch, ts: number[]): Promise<number[]> {
  const engine = new CpuEngine({ precision: 'f64' });
  await engine.prepare(model, params, probe, head);
  return Array.from(await engine.directionalFisher(ts.map((t) => linePoint(v, t))));
}

describe('dual-factor bottom subspace', () => {
  it('a planted squared-ReLU net: the bottom two span the dead units and F(t) is the closed form 9t⁴·E‖Σ ΔW_out[:,i](ΔW_in[i]·x)₊²‖²', async () => {
    const model = chainGraph([4], [lin('0', 4, 6), { kind: 'activation', fn: 'relu2' }, lin('2', 6, 2)]);
    const params = randomParams(model, createRng(3));
    const W1 = params.get('0.weight')!.data;
    const W2 = params.get('2.weight')!.data;
    for (const u of [4, 5]) {
      W1.fill(0, u * 4, u * 4 + 4);
      W2[u] = 0;
      W2[6 + u] = 0;
    }
    const probe = randomProbe(model, 256, createRng(4));
    const ctx = context(model, params, probe, 'regression', 2);
    const cands = await dualFactor.detect(ctx);
    expect(cands.map((c) => c.id)).toEqual(['dual-factor:0:0', 'dual-factor:0:1']);
    const grid = scanGrid(DEFAULT_SETTINGS);
    for (const c of cands) {
      expect(c.predictedK).toBe(3);
      const v = c.direction();
      const dIn = v.get('0.weight')!;
      const dOut = v.get('2.weight')!;
      // the direction lives on the dead units only and has unit norm
      let norm = 0, off = 0;
      dIn.forEach((x, k) => { norm += x * x; if (Math.floor(k / 4) < 4) off += x * x; });
      dOut.forEach((x, k) => { norm += x * x; if (k % 6 < 4) off += x * x; });
      expect(norm).toBeCloseTo(1, 12);
      expect(off).toBeLessThan(1e-20);
      // closed form: Δf_o = t³ Σ_i dOut[o,i] (dIn[i]·x)₊²  ⇒  F = 9 t⁴ mean ‖Σ_i dOut[:,i] (dIn[i]·x)₊²‖²
      let m = 0;
      for (let s = 0; s < probe.count; s++) {
        const x = probe.data.subarray(s * 4, s * 4 + 4);
        for (let o = 0; o < 2; o++) {
          let acc = 0;
          for (const i of [4, 5]) {
            let z = 0;
            for (let k = 0; k < 4; k++) z += dIn[i * 4 + k] * x[k];
            acc += dOut[o * 6 + i] * Math.max(z, 0) ** 2;
          }
          m += acc * acc;
        }
      }
      m /= probe.count;
      expect(m).toBeGreaterThan(0);
      const F = await engineF(model, params, probe, 'regression', v, grid);
      grid.forEach((t, k) => expect(Math.abs(F[k] - 9 * t ** 4 * m)).toBeLessThan(1e-9 * 9 * t ** 4 * m));
    }
  });

  it('ts_relu2_adamw_s1: F along the first direction equals central differences of a plain forward pass; it reads k = 3 where K-FAC reads 2', async () => {
    const m = await loadFixture('ts_relu2_adamw_s1.safetensors');
    const W1 = m.params.get('0.weight')!.data; // [12, 8]
    const W2 = m.params.get('2.weight')!.data; // [1, 12]
    const ctx = context(m.graph, m.params, m.probe, m.head);
    const v = (await dualFactor.detect(ctx))[0].direction();
    // the two units with the smallest ‖row‖·|column| carry the direction
    const weight = Array.from({ length: 12 }, (_, i) => Math.hypot(...W1.subarray(i * 8, i * 8 + 8)) * Math.abs(W2[i]));
    const smallest = weight.map((w, i) => [w, i]).sort((a, b) => a[0] - b[0]).slice(0, 2).map(([, i]) => i);
    const dOut = v.get('2.weight')!;
    expect(smallest.reduce((s, i) => s + 2 * dOut[i] ** 2, 0)).toBeGreaterThan(0.9);

    const f = (t: number, x: Float64Array): number => {
      const dIn = v.get('0.weight')!;
      let y = 0;
      for (let i = 0; i < 12; i++) {
        let z = 0;
        for (let k = 0; k < 8; k++) z += (W1[i * 8 + k] + t * dIn[i * 8 + k]) * x[k];
        y += (W2[i] + t * dOut[i]) * Math.max(z, 0) ** 2;
      }
      return y;
    };
    const ts = [0.1, 0.3, 1];
    const fd = ts.map((t) => {
      const h = 1e-4 * t;
      let s = 0;
      for (let n = 0; n < m.probe.count; n++) {
        const x = m.probe.data.subarray(n * 8, n * 8 + 8);
        s += ((f(t + h, x) - f(t - h, x)) / (2 * h)) ** 2;
      }
      return s / m.probe.count;
    });
    const F = await engineF(m.graph, m.params, m.probe, m.head, v, ts);
    ts.forEach((_, k) => expect(Math.abs(F[k] - fd[k]) / fd[k]).toBeLessThan(1e-6));
    // the local slope over the top half-decade sits near 2(k − 1) = 4
    expect(Math.log(fd[2] / fd[1]) / Math.log(1 / 0.3)).toBeGreaterThan(3.6);

    const read = await readFixture('ts_relu2_adamw_s1.safetensors', { detectors: ['dual-factor', 'bottom-subspace'] });
    // the top 8 of the 12 components (Fig. 10 of the paper), each scanned on the whole default grid
    // (1e-4…1, 4 a decade: 17 points)
    const duals = read.directions.filter((d) => d.detector === 'dual-factor');
    expect(duals.map((d) => d.id)).toEqual(Array.from({ length: 8 }, (_, i) => `dual-factor:0:${i}`));
    for (const d of duals) expect(d.scan.F.length).toBe(17);
    const first = read.directions.find((d) => d.id === 'dual-factor:0:0')!;
    expect(first.class).toBe('singular');
    expect(first.kRounded).toBe(3);
    expect(Math.abs(first.k! - 3)).toBeLessThan(0.2);
    const kfac = read.directions.filter((d) => d.id.startsWith('bottom-subspace:0:'));
    expect(kfac.length).toBe(8);
    for (const d of kfac) expect(d.kRounded).toBe(2);
  });
});

describe('K-FAC for conv layers', () => {
  const conv = (l: string, c: number, o: number, k: number, pad: number): Op => ({
    kind: 'conv2d', layer: l, weight: `${l}.weight`, bias: `${l}.bias`, inChannels: c, outChannels: o, kernel: [k, k], stride: [1, 1], padding: [pad, pad],
  });
  const rest: Op[] = [{ kind: 'activation', fn: 'relu' }, { kind: 'maxpool', kernel: 2, stride: 2 }, conv('c2', 3, 2, 2, 0), { kind: 'activation', fn: 'tanh' }, { kind: 'flatten' }, lin('l', 8, 3, true)];
  const model = chainGraph([2, 6, 6], [conv('c1', 2, 3, 3, 1), ...rest]);
  const params = randomParams(model, createRng(11));
  const probe = randomProbe(model, 6, createRng(12));
  const ctx = context(model, params, probe, 'classification');

  it('A equals E[patch patchᵀ] built by loops, G equals Σ_positions Jᵀ(diag p − ppᵀ)J from finite differences', async () => {
    const f = (await kfacFactors(ctx, model.nodes[0] as never))!;
    // A: the 3×3 patches of the zero-padded input, bias entry 1, mean over samples and positions
    const dA = 2 * 9 + 1;
    expect(f.dA).toBe(dA);
    const Aref = new Float64Array(dA * dA);
    for (let s = 0; s < 6; s++) for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
      const a: number[] = [];
      for (let c = 0; c < 2; c++) for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) {
        const yy = y + i, xx = x + j;
        a.push(yy < 0 || yy >= 6 || xx < 0 || xx >= 6 ? 0 : probe.data[s * 72 + c * 36 + yy * 6 + xx]);
      }
      a.push(1);
      for (let p = 0; p < dA; p++) for (let q = 0; q < dA; q++) Aref[p * dA + q] += (a[p] * a[q]) / (6 * 36);
    }
    f.A.forEach((x, k) => expect(Math.abs(x - Aref[k])).toBeLessThan(1e-12));

    // G: J = ∂z/∂y1 by central differences through the rest of the net, y1 = conv c1's output [3, 6, 6]
    const tail = chainGraph([3, 6, 6], rest);
    const y1 = evaluateDense(model, params, probe.data, 6, { keepValues: true }).values![1];
    const Gref = new Float64Array(9);
    for (let s = 0; s < 6; s++) {
      const y = y1.slice(s * 108, (s + 1) * 108);
      const z = evaluateDense(tail, params, y, 1).z;
      const e = Array.from(z, (v) => Math.exp(v));
      const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      const J: number[][] = []; // J[feature][logit]
      for (let k = 0; k < 108; k++) {
        const h = 1e-6;
        const yp = y.slice(); yp[k] += h;
        const ym = y.slice(); ym[k] -= h;
        const zp = evaluateDense(tail, params, yp, 1).z;
        const zm = evaluateDense(tail, params, ym, 1).z;
        J.push(Array.from(zp, (v, c) => (v - zm[c]) / (2 * h)));
      }
      for (let o = 0; o < 3; o++) for (let o2 = 0; o2 < 3; o2++) for (let pos = 0; pos < 36; pos++) {
        const a = J[o * 36 + pos], b = J[o2 * 36 + pos];
        const pa = a.reduce((acc, v, c) => acc + p[c] * v, 0);
        const pb = b.reduce((acc, v, c) => acc + p[c] * v, 0);
        let q = 0;
        for (let c = 0; c < 3; c++) q += p[c] * a[c] * b[c];
        Gref[o * 3 + o2] += (q - pa * pb) / 6;
      }
    }
    expect(f.dG).toBe(3);
    const scale = Math.max(...Gref.map(Math.abs));
    f.G.forEach((x, k) => expect(Math.abs(x - Gref[k])).toBeLessThan(1e-6 * scale));
  });

  it('conv candidates are unit-norm rank-one ΔW[o,c,i,j] = g_o a_(c,i,j), the first on the bottom eigenvectors', async () => {
    const cands = (await bottomSubspace.detect(ctx)).filter((c) => c.layer === 'c1');
    expect(cands.length).toBe(8);
    const f = (await kfacFactors(ctx, model.nodes[0] as never))!;
    const v = cands[0].direction();
    const W = v.get('c1.weight')!;
    const b = v.get('c1.bias')!;
    // rows o of [W | b] (3 × 19) are multiples of one a: rank one; g = the row norms with signs
    const rows = [0, 1, 2].map((o) => [...W.subarray(o * 18, o * 18 + 18), b[o]]);
    const norm = Math.sqrt(rows.flat().reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 12);
    const top = rows.reduce((best, r) => (Math.hypot(...r) > Math.hypot(...best) ? r : best));
    const a = top.map((x) => x / Math.hypot(...top));
    const g = rows.map((r) => r.reduce((s, x, k) => s + x * a[k], 0));
    rows.forEach((r, o) => r.forEach((x, k) => expect(Math.abs(x - g[o] * a[k])).toBeLessThan(1e-12)));
    // Rayleigh quotients: a and g are bottom eigenvectors of the factors
    const rq = (M: Float64Array, x: number[]) => x.reduce((s, xi, i) => s + xi * x.reduce((t, xj, j) => t + M[i * x.length + j] * xj, 0), 0);
    expect(rq(f.A, a)).toBeCloseTo(symmetricEigen(f.A, f.dA).values[0], 10);
    expect(rq(f.G, g)).toBeCloseTo(symmetricEigen(f.G, f.dG).values[0], 10);
  });
});
