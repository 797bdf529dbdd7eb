/**
 * Benchmark: a full read of the MNIST MLP (mnist-mlp-dfdx, 784→512→128→32→10, probe = the first
 * N MNIST test images) on the CPU engine and on the WebGPU engine, with the same settings.
 * Prints backend, adapter, model and batch shapes, timings, and whether both reads agree
 * (class and kRounded per direction). Record results in BENCHMARKS.md.
 *
 *   node scripts/with-swiftshader.mjs npx tsx scripts/bench.ts [--probe 256] [--backends cpu,webgpu]
 *        [--model fixtures/mnist-mlp-dfdx.safetensors] [--inputs fixtures/mnist-test-1000.safetensors]
 *        [--kernels auto|simple|tiled] [--json out.json]
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileSource } from '../src/format/node-source.ts';
import { readCheckpoint } from '../src/read/pipeline.ts';
import { CpuEngine } from '../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../src/engine/webgpu/engine.ts';
import { findDevice } from '../src/engine/select.ts';
import { chainGraph, valueShapes, type Op } from '../src/model/graph.ts';
import type { FisherEngine, FisherQuery } from '../src/engine/types.ts';
import type { ReadResult } from '../src/read/schema.ts';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
};
const probe = Number(arg('probe', '256'));
const backends = arg('backends', 'cpu,webgpu').split(',');
const model = arg('model', 'fixtures/mnist-mlp-dfdx.safetensors');
const inputsPath = arg('inputs', 'fixtures/mnist-test-1000.safetensors');
const kernels = arg('kernels', 'auto') as 'auto' | 'simple' | 'tiled';
const jsonOut = arg('json', '');

/** Wraps an engine to time its calls and collect batch shapes. */
function instrument(engine: FisherEngine) {
  const stats = { calls: 0, queries: 0, ms: 0, batches: 0, shapes: new Map<string, number>() };
  const inner = engine.directionalFisher.bind(engine);
  engine.directionalFisher = async (qs: FisherQuery[], o) => {
    const t = performance.now();
    const r = await inner(qs, o);
    stats.ms += performance.now() - t;
    stats.calls++;
    stats.queries += qs.length;
    if (engine instanceof WebGpuEngine) {
      stats.batches += engine.lastStats.batches;
      for (const s of engine.lastStats.shapes) {
        const k = `${s.mode.replace(/\(.*\)/, '')} G≤${s.G} M=${s.M}`;
        stats.shapes.set(k, (stats.shapes.get(k) ?? 0) + 1);
      }
    }
    return r;
  };
  return stats;
}

async function run(backend: string): Promise<{ result: ReadResult; wallMs: number; stats: ReturnType<typeof instrument> } | null> {
  let engine: FisherEngine;
  if (backend === 'cpu') engine = new CpuEngine();
  else {
    const dev = await findDevice('node');
    if (!('device' in dev)) {
      console.log(`webgpu: skipped — ${dev.reason}`);
      return null;
    }
    engine = new WebGpuEngine(dev.device, dev.description, { kernels });
  }
  const stats = instrument(engine);
  const checkpoint = await fileSource(model);
  const inputs = await fileSource(inputsPath);
  const t0 = performance.now();
  const result = await readCheckpoint({ checkpoint, checkpointName: model, inputs, inputsName: inputsPath }, { probe, backend: backend as 'cpu' | 'webgpu' }, engine);
  const wallMs = performance.now() - t0;
  engine.dispose();
  await checkpoint.close();
  await inputs.close();
  return { result, wallMs, stats };
}

const cpus = os.cpus();
console.log(`deadscope bench — ${model}, probe ${probe} images, Node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}`);
const results: Record<string, unknown> = {};
let first: ReadResult | null = null;
for (const b of backends) {
  const r = await run(b);
  if (!r) continue;
  const { result, wallMs, stats } = r;
  if (!first) {
    const arch = result.checkpoint.architecture as { inputShape: number[]; ops: Op[] };
    const shapes = valueShapes(chainGraph(arch.inputShape, arch.ops));
    console.log(`model: ${shapes.map((s: number[]) => s.join('×')).join(' → ')}; ${result.checkpoint.params} params; ${result.directions.length} directions × ${result.directions[0]?.scan.t.length ?? 0} scan points`);
  }
  console.log(`\n[${result.backend}] ${result.settings.adapter}`);
  console.log(`  total ${(wallMs / 1000).toFixed(2)} s = prepare ${(result.timing.prepareMs / 1000).toFixed(2)} s + scan ${(result.timing.scanMs / 1000).toFixed(2)} s (+ load/detectors)`);
  console.log(`  engine: ${stats.calls} calls, ${stats.queries} queries, ${(stats.ms / 1000).toFixed(2)} s in directionalFisher (${((stats.ms * 1000) / Math.max(1, stats.queries)).toFixed(0)} µs/query)`);
  if (stats.batches) console.log(`  batches: ${stats.batches}; ${[...stats.shapes].map(([k, n]) => `${n}× ${k}`).join(', ')}`);
  const counts: Record<string, number> = {};
  for (const d of result.directions) counts[d.class] = (counts[d.class] ?? 0) + 1;
  console.log(`  classes: ${JSON.stringify(counts)}`);
  if (first) {
    let diff = 0;
    result.directions.forEach((d, i) => {
      const c = first!.directions[i];
      if (!c || c.id !== d.id || c.class !== d.class || c.kRounded !== d.kRounded) diff++;
    });
    console.log(`  agreement with ${first.backend}: ${result.directions.length - diff}/${result.directions.length} directions identical (class, kRounded)`);
  } else first = result;
  results[b] = { wallMs, prepareMs: result.timing.prepareMs, scanMs: result.timing.scanMs, queries: stats.queries, engineMs: stats.ms, adapter: result.settings.adapter, batches: stats.batches };
}
if (jsonOut) await writeFile(jsonOut, JSON.stringify({ model, probe, results }, null, 1));
process.exit(0);
