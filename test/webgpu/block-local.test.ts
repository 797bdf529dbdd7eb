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
import { fileSource } from '../../src/format/node-source.ts';
import { skipNote, testGpu } from './gpu.ts';
import { readDifferences, readOnBoth } from './parity.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { llamaHf } from '../helpers/transformers.ts';

const gpu = await testGpu();
const FIX = resolve(import.meta.dirname, '../../fixtures');
const FLOOR = 1e-12;

describe.skipIf(!gpu)(`block-local read of the GPT-2 fixture: WebGPU vs CPU${skipNote(gpu)}`, () => {
  it('same blocks, ids and classes; scans within f32 accuracy', async () => {
    const options = { probe: 32, numericalFloor: FLOOR, detectors: ['node-death', 'ln-kernel', 'bottom-subspace'], scope: 'block-local' as const };
    const [cpu, web] = await readOnBoth(gpu!, async () => ({
      checkpoint: await fileSource(`${FIX}/gpt2_modadd23_s1.safetensors`), checkpointName: 'gpt2_modadd23_s1.safetensors',
      configText: readFileSync(`${FIX}/gpt2_modadd23_s1.config.json`, 'utf8'), configName: 'config.json',
    }), options, new CpuEngine());
    expect(web.scope).toBe('block-local');
    expect(web.blocks).toEqual(cpu.blocks);
    expect(web.directions.map((d) => d.block)).toEqual(cpu.directions.map((d) => d.block));
    const { diffs, worst } = readDifferences(cpu, web, FLOOR);
    console.log(`gpt2 block-local: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}`);
    expect(diffs).toEqual([]);
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);

  it('attention layers read alone ([T, D] sequences through the attention op): the same gauge classes on WebGPU as on the CPU', async () => {
    const options = { probe: 16, perDecade: 2, numericalFloor: FLOOR, detectors: ['qk-rotation', 'qk-linear', 'vo-linear', 'softmax-shift'], scope: 'block-local' as const };
    const [cpu, web] = await readOnBoth(gpu!, async () => ({
      checkpoint: await fileSource(`${FIX}/gpt2_modadd23_s1.safetensors`), checkpointName: 'gpt2_modadd23_s1.safetensors',
      configText: readFileSync(`${FIX}/gpt2_modadd23_s1.config.json`, 'utf8'), configName: 'config.json',
    }), options, new CpuEngine({ precision: 'f64' }));
    const attention = web.directions.filter((d) => d.block === 'transformer.h.0.attn (attention)');
    expect(attention.length).toBe(16);
    expect(web.directions.map((d) => [d.id, d.class])).toEqual(cpu.directions.map((d) => [d.id, d.class]));
    for (const d of attention) expect(d.class, d.id).toBe('gauge');
  }, 300_000);

  it('a LLaMA-style checkpoint: RMSNorm and the SwiGLU graph (a value read twice, a product) on WebGPU as on the CPU', async () => {
    const ck = llamaHf(3);
    const opts = { probe: 16, numericalFloor: FLOOR, detectors: ['glu-unit', 'bottom-subspace'], scope: 'block-local' as const };
    const [cpu, web] = await readOnBoth(gpu!, async () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) }), opts, new CpuEngine({ precision: 'f64' }));
    const { diffs, worst } = readDifferences(cpu, web, FLOOR);
    expect(diffs).toEqual([]);
    console.log(`llama block-local: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  }, 300_000);
});
