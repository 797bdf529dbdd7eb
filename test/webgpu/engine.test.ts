/**
 * Whole-engine parity: WebGpuEngine (f32, sparse flows on the GPU) against the f64 references —
 * the CPU engine and the plain dense evaluator — on the fixtures: F within 1e-3 relative
 * wherever F > 1e-6 of the largest F of the set. Directions cover every path of the engine:
 * sparse rows at the first op (node death, channel death), sparse columns, dense patches,
 * tangent-only points (t = 0), explicit δ and straight-line points (δ = t·v), and per-query
 * BatchNorm / LayerNorm parameters.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { evaluateDense, withDelta } from '../../src/ops/interpret.ts';
import { fisherPerSample, mean } from '../../src/engine/cpu/fisher.ts';
import { CancelledError, type FisherQuery, type TensorPatch } from '../../src/engine/types.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { loadModel, type LoadedModel } from '../../src/read/pipeline.ts';
import { createRng } from '../../src/math/random.ts';
import { record, measured, skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();
const FIX = resolve(import.meta.dirname, '../../fixtures');

async function load(name: string, probe: number, withImages = false): Promise<LoadedModel> {
  const checkpoint = await fileSource(`${FIX}/${name}`);
  const inputs = withImages ? await fileSource(`${FIX}/mnist-test-1000.safetensors`) : null;
  try {
    return await loadModel({ checkpoint, checkpointName: name, inputs, inputsName: withImages ? 'mnist-test-1000.safetensors' : null }, { probe, inputCap: probe });
  } finally {
    await checkpoint.close();
    await inputs?.close();
  }
}

function unit(a: Float64Array): Float64Array {
  const n = Math.hypot(...a);
  return n ? a.map((x) => x / n) : a;
}

/** A unit direction over some tensors: each part random or given, then scaled jointly. */
function direction(parts: [string, Float64Array][]): TensorPatch {
  let ss = 0;
  for (const [, a] of parts) for (const x of a) ss += x * x;
  const k = 1 / Math.sqrt(ss);
  return new Map(parts.map(([n, a]) => [n, a.map((x) => x * k)]));
}

const randomOf = (m: LoadedModel, name: string, seed: number) => {
  const rng = createRng(seed);
  return Float64Array.from({ length: m.params.get(name)!.data.length }, () => rng.normal());
};

/** Node death of unit j between a layer (rows) and its consumer (columns), METHOD §4. */
function nodeDeath(m: LoadedModel, inW: string, inB: string | null, outW: string, j: number): TensorPatch {
  const Win = m.params.get(inW)!, Wout = m.params.get(outW)!;
  const [H, D] = Win.shape;
  const O = Wout.data.length / H;
  const a = new Float64Array(Win.data.length), b = new Float64Array(Wout.data.length);
  const row = unit(Float64Array.from(Win.data.subarray(j * D, (j + 1) * D)));
  a.set(row, j * D);
  const col = unit(Float64Array.from({ length: O }, (_, o) => Wout.data[o * H + j]));
  for (let o = 0; o < O; o++) b[o * H + j] = col[o];
  const parts: [string, Float64Array][] = [[inW, a], [outW, b]];
  if (inB) {
    const bb = new Float64Array(H);
    bb[j] = 0.3;
    parts.push([inB, bb]);
  }
  return direction(parts);
}

/** Points along a direction: straight-line (t), explicit δ, and tangent-only. */
function points(v: TensorPatch, ts: number[]): FisherQuery[] {
  const out: FisherQuery[] = [];
  for (const t of ts) {
    out.push({ t, tangent: v, get delta() { return new Map([...v].map(([n, a]) => [n, a.map((x) => x * t)])); } } as FisherQuery);
    out.push({ delta: new Map([...v].map(([n, a]) => [n, a.map((x) => x * t)])), tangent: v });
  }
  out.push({ delta: new Map(), tangent: v });
  return out;
}

function denseF(m: LoadedModel, q: FisherQuery): number {
  const p = withDelta(m.params, q.delta);
  const r = evaluateDense(m.graph, p, m.probe.data, m.probe.count, { tangent: q.tangent });
  return mean(fisherPerSample(m.head, r.z, r.dz!, m.probe.count, r.outWidth));
}

async function compare(label: string, m: LoadedModel, queries: FisherQuery[], dense = false, reference: 'cpu' | 'dense' = 'cpu') {
  let ref: Float64Array;
  if (reference === 'cpu') {
    const cpu = new CpuEngine({ precision: 'f64' });
    await cpu.prepare(m.graph, m.params, m.probe, m.head);
    ref = await cpu.directionalFisher(queries);
  } else {
    ref = Float64Array.from(queries, (q) => denseF(m, q));
  }
  const eng = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 16 });
  await eng.prepare(m.graph, m.params, m.probe, m.head);
  const t0 = performance.now();
  const got = await eng.directionalFisher(queries);
  const ms = performance.now() - t0;
  const modes = [...new Set(eng.lastStats.shapes.map((s) => s.mode))].join(', ');
  eng.dispose();
  const top = Math.max(...ref);
  let worst = 0;
  for (let q = 0; q < queries.length; q++) {
    if (ref[q] <= 1e-6 * top) {
      expect(got[q], `${label} query ${q} (tiny)`).toBeLessThan(1e-4 * top);
      continue;
    }
    const e = Math.abs(got[q] - ref[q]) / ref[q];
    worst = Math.max(worst, e);
    expect(e, `${label} query ${q}: gpu ${got[q]} cpu ${ref[q]}`).toBeLessThan(1e-3);
  }
  if (dense && reference === 'cpu') {
    // the CPU engine itself against the plain dense evaluator on a few queries
    for (const q of [0, 1, queries.length - 1]) expect(Math.abs(ref[q] - denseF(m, queries[q])) / Math.max(ref[q], 1e-300)).toBeLessThan(1e-9);
  }
  record(`engine ${label}`, worst);
  console.log(`${label}: ${queries.length} queries, probe ${m.probe.count}, max rel err ${worst.toExponential(2)}, gpu ${ms.toFixed(0)} ms, paths: ${modes}`);
}

describe.skipIf(!gpu)(`WebGpuEngine vs the f64 engines on the fixtures${skipNote(gpu)}`, () => {
  for (const name of ['ts_relu2_adamw_s1', 'ts_relu_adamw_s1', 'ts_tanh_adamw_s1', 'ts_relu2_muon_s1']) {
    it(`${name}: node death of every unit, random and column-only directions`, async () => {
      const m = await load(`${name}.safetensors`, 64);
      const qs: FisherQuery[] = [];
      for (let j = 0; j < 12; j++) qs.push(...points(nodeDeath(m, '0.weight', null, '2.weight', j), [1e-4, 0.5]));
      qs.push(...points(direction([['0.weight', randomOf(m, '0.weight', 1)]]), [1e-3, 0.3]));
      qs.push(...points(direction([['2.weight', randomOf(m, '2.weight', 2)]]), [1e-3, 0.3]));
      qs.push(...points(direction([['0.weight', randomOf(m, '0.weight', 3)], ['2.weight', randomOf(m, '2.weight', 4)]]), [0.1]));
      await compare(name, m, qs, name === 'ts_relu2_adamw_s1');
    });
  }

  it('lnmlp_gelu_s1: LayerNorm parameters, gauges and node death through LayerNorm–GELU', async () => {
    const m = await load('lnmlp_gelu_s1.safetensors', 128);
    const qs: FisherQuery[] = [];
    for (const t of ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias']) {
      qs.push(...points(direction([[t, randomOf(m, t, t.length)]]), [1e-3, 0.2]));
    }
    // LayerNorm mean gauge: the same row added to every row of 0.weight
    const u = unit(randomOf(m, '0.bias', 9).subarray(0, 16).slice());
    const g = new Float64Array(32 * 16);
    for (let r = 0; r < 32; r++) g.set(u, r * 16);
    qs.push(...points(direction([['0.weight', g]]), [1e-2]));
    qs.push(...points(nodeDeath(m, '0.weight', '0.bias', '3.weight', 5), [1e-3, 0.1]));
    await compare('lnmlp_gelu_s1', m, qs, true);
  });

  it('mnist-mlp-dfdx: node death in each hidden layer, dense and bias directions (16 images)', async () => {
    const m = await load('mnist-mlp-dfdx.safetensors', 16, true);
    const qs: FisherQuery[] = [];
    const layers = [['0.0.weight', '0.0.bias', '1.0.weight'], ['1.0.weight', '1.0.bias', '2.0.weight'], ['2.0.weight', '2.0.bias', '3.weight']];
    for (const [a, b, c] of layers) for (const j of [7]) qs.push(...points(nodeDeath(m, a, b, c, j), [1e-4, 0.5]));
    qs.push(...points(direction([['1.0.weight', randomOf(m, '1.0.weight', 5)]]), [1e-2]));
    qs.push(...points(direction([['3.bias', randomOf(m, '3.bias', 6)]]), [0.1]));
    qs.push(...points(direction([['0.0.bias', randomOf(m, '0.0.bias', 7)]]), [1e-3]));
    await compare('mnist-mlp-dfdx', m, qs);
  });

  it('mnist-convnet-tinygrad: channel death, BatchNorm and head directions (2 images)', async () => {
    const m = await load('mnist-convnet-tinygrad.safetensors', 2, true);
    const qs: FisherQuery[] = [];
    const chan = (w: string, b: string, c: number) => {
      const W = m.params.get(w)!;
      const per = W.data.length / W.shape[0];
      const a = new Float64Array(W.data.length);
      a.set(unit(Float64Array.from(W.data.subarray(c * per, (c + 1) * per))), c * per);
      const bb = new Float64Array(W.shape[0]);
      bb[c] = 0.2;
      return direction([[w, a], [b, bb]]);
    };
    qs.push(...points(chan('layers.0.weight', 'layers.0.bias', 3), [0.3]));
    // channel death across two convs: out-channel 5 of layers.0 and in-channel 5 of layers.2
    const W2 = m.params.get('layers.2.weight')!;
    const across = chan('layers.0.weight', 'layers.0.bias', 5);
    const c2 = new Float64Array(W2.data.length);
    for (let o = 0; o < 32; o++) for (let k = 0; k < 25; k++) c2[(o * 32 + 5) * 25 + k] = W2.data[(o * 32 + 5) * 25 + k];
    qs.push(...points(direction([...across, ['layers.2.weight', unit(c2)]]), [1e-2]));
    qs.push(...points(chan('layers.8.weight', 'layers.8.bias', 10), [1e-3]));
    qs.push(...points(direction([['layers.4.weight', randomOf(m, 'layers.4.weight', 8)], ['layers.4.bias', randomOf(m, 'layers.4.bias', 9)]]), [1e-2]));
    qs.push(...points(direction([['layers.13.weight', randomOf(m, 'layers.13.weight', 10)]]), [1e-2]));
    qs.push(...points(direction([['layers.6.weight', randomOf(m, 'layers.6.weight', 11)]]), [1e-2]));
    // reference: the dense f64 evaluator (the whole graph per query)
    await compare('mnist-convnet-tinygrad', m, qs, false, 'dense');
  });

  it('batch shapes do not change F: samples cut into chunks of 7, one query per batch, tiled or barrier-free kernels', async () => {
    const m = await load('lnmlp_gelu_s1.safetensors', 45);
    const qs: FisherQuery[] = [];
    qs.push(...points(nodeDeath(m, '0.weight', '0.bias', '3.weight', 3), [1e-3, 0.1]));
    qs.push(...points(direction([['1.weight', randomOf(m, '1.weight', 5)]]), [0.05]));
    qs.push(...points(direction([['3.weight', randomOf(m, '3.weight', 6)], ['0.bias', randomOf(m, '0.bias', 7)]]), [0.05]));
    const run = async (o: ConstructorParameters<typeof WebGpuEngine>[2]) => {
      const eng = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, o);
      await eng.prepare(m.graph, m.params, m.probe, m.head);
      const F = await eng.directionalFisher(qs);
      const stats = eng.lastStats;
      eng.dispose();
      return { F, stats };
    };
    const base = await run({});
    const chunked = await run({ maxSamplesPerBatch: 7 });
    expect(chunked.stats.shapes.every((s) => s.M <= 7)).toBe(true);
    const single = await run({ maxQueriesPerBatch: 1 });
    expect(single.stats.batches).toBe(qs.length);
    const tiled = await run({ kernels: 'tiled' });
    const simple = await run({ kernels: 'simple' });
    for (const other of [chunked, single, tiled, simple]) {
      other.F.forEach((f, q) => expect(Math.abs(f - base.F[q]) / base.F[q], `query ${q}`).toBeLessThan(1e-5));
    }
  });

  it('cancellation: an aborted signal stops within one batch with CancelledError', async () => {
    const m = await load('ts_relu_adamw_s1.safetensors', 64);
    const eng = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description, { maxQueriesPerBatch: 4 });
    await eng.prepare(m.graph, m.params, m.probe, m.head);
    const qs: FisherQuery[] = [];
    for (let j = 0; j < 12; j++) qs.push(...points(nodeDeath(m, '0.weight', null, '2.weight', j), [1e-3, 0.1]));
    const ac = new AbortController();
    let batches = 0;
    const p = eng.directionalFisher(qs, {
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.done > 0) batches++;
        if (batches === 2) ac.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(eng.lastStats.batches).toBe(2);
    eng.dispose();
  });

  it('prints the errors measured', () => {
    console.log('engine max relative errors:', JSON.stringify(measured));
  });
});
