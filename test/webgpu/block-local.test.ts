/**
 * A transformer read block-locally on the WebGPU engine (SwiftShader in CI) agrees with the f64 CPU
 * engine: the same blocks, the same direction ids, the same class for every direction, and scans
 * within f32 accuracy (1e-3 relative where F > 1e-6 of the direction's largest and > 1e-7·F_live,
 * as in read-parity.test.ts). The engine is prepared once per block on one device.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import type { FisherEngine } from '../../src/engine/types.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import { skipNote, testGpu } from './gpu.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { llamaHf } from '../helpers/transformers.ts';

const gpu = await testGpu();
const FIX = resolve(import.meta.dirname, '../../fixtures');
const FLOOR = 1e-12;

async function read(engine: FisherEngine, options: Record<string, unknown>): Promise<ReadResult> {
  const checkpoint = await fileSource(`${FIX}/gpt2_modadd23_s1.safetensors`);
  try {
    return await readCheckpoint({
      checkpoint, checkpointName: 'gpt2_modadd23_s1.safetensors',
      configText: readFileSync(`${FIX}/gpt2_modadd23_s1.config.json`, 'utf8'), configName: 'config.json',
    }, { scope: 'block-local', ...options }, engine);
  } finally {
    await checkpoint.close();
    engine.dispose();
  }
}

describe.skipIf(!gpu)(`block-local read of the GPT-2 fixture: WebGPU vs CPU${skipNote(gpu)}`, () => {
  it('same blocks, ids and classes; scans within f32 accuracy', async () => {
    const options = { probe: 32, numericalFloor: FLOOR, detectors: ['node-death', 'ln-kernel', 'bottom-subspace'] };
    const cpu = await read(new CpuEngine(), { ...options, backend: 'cpu' });
    const web = await read(new WebGpuEngine(gpu!.dev.device, gpu!.dev.description), { ...options, backend: 'webgpu' });
    expect(web.backend).toBe('webgpu');
    expect(web.scope).toBe('block-local');
    expect(web.blocks).toEqual(cpu.blocks);
    expect(web.directions.map((d) => [d.id, d.block])).toEqual(cpu.directions.map((d) => [d.id, d.block]));
    const diffs: string[] = [];
    let worst = 0;
    cpu.directions.forEach((c, i) => {
      const g = web.directions[i];
      if (g.class !== c.class) diffs.push(`${c.id}: cpu ${c.class} gpu ${g.class}`);
      const top = Math.max(...c.scan.F);
      if (top <= FLOOR * c.fLive) return;
      c.scan.F.forEach((f, j) => {
        if (f > 1e-6 * top && f > 1e-7 * c.fLive) worst = Math.max(worst, Math.abs(web.directions[i].scan.F[j] - f) / f);
      });
    });
    console.log(`gpt2 block-local: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}`);
    expect(diffs).toEqual([]);
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);

  it('a LLaMA-style checkpoint: RMSNorm and the SwiGLU graph (a value read twice, a product) on WebGPU as on the CPU', async () => {
    const ck = llamaHf(3);
    const opts = { probe: 16, numericalFloor: FLOOR, detectors: ['glu-unit', 'bottom-subspace'] };
    const readWith = (engine: FisherEngine, backend: 'cpu' | 'webgpu') => readCheckpoint(
      { checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) }, { ...opts, backend, scope: 'block-local' }, engine,
    ).finally(() => engine.dispose());
    const cpu = await readWith(new CpuEngine({ precision: 'f64' }), 'cpu');
    const web = await readWith(new WebGpuEngine(gpu!.dev.device, gpu!.dev.description), 'webgpu');
    expect(web.directions.map((d) => d.id)).toEqual(cpu.directions.map((d) => d.id));
    const diffs = cpu.directions.flatMap((c, i) => (web.directions[i].class === c.class ? [] : [`${c.id}: cpu ${c.class} gpu ${web.directions[i].class}`]));
    expect(diffs).toEqual([]);
    let worst = 0;
    cpu.directions.forEach((c, i) => {
      const top = Math.max(...c.scan.F);
      if (top <= FLOOR * c.fLive) return;
      c.scan.F.forEach((f, j) => {
        if (f > 1e-6 * top && f > 1e-7 * c.fLive) worst = Math.max(worst, Math.abs(web.directions[i].scan.F[j] - f) / f);
      });
    });
    console.log(`llama block-local: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);
});
