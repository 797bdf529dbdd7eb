/**
 * Whole-network transformer reads (scope "whole": token embedding, attention, position-wise maps,
 * tied unembedding) on the WebGPU engine (SwiftShader in CI) agree with the f64 CPU engine: the
 * same direction ids and classes, scans within f32 accuracy (1e-3 relative where F > 1e-6 of the
 * direction's largest and > 1e-7·F_live, as in read-parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import type { ReadSources } from '../../src/read/pipeline.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import { skipNote, testGpu } from './gpu.ts';
import { readDifferences, readOnBoth } from './parity.ts';
import { dinov2Classifier, fusedPhi3, gpt2Hf, llamaHf, nestedWrappers, perHead } from '../helpers/transformers.ts';

const gpu = await testGpu();
const FIX = resolve(import.meta.dirname, '../../fixtures');
const FLOOR = 1e-12;

function compare(name: string, cpu: ReadResult, web: ReadResult): void {
  expect(web.scope).toBe('whole');
  const { diffs, worst } = readDifferences(cpu, web, FLOOR);
  console.log(`${name} whole: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}`);
  expect(diffs).toEqual([]);
  expect(worst).toBeLessThan(1e-3);
}

const both = (sources: () => Promise<ReadSources>, options: Partial<ReadOptions>) =>
  readOnBoth(gpu!, sources, { ...options, scope: 'whole' }, new CpuEngine({ precision: 'f64' }));

describe.skipIf(!gpu)(`whole-network transformer reads: WebGPU vs CPU${skipNote(gpu)}`, () => {
  it('the GPT-2 fixture on 16 of its task inputs', async () => {
    const [cpu, web] = await both(async () => ({
      checkpoint: await fileSource(`${FIX}/gpt2_modadd23_s1.safetensors`), checkpointName: 'gpt2_modadd23_s1.safetensors',
      configText: readFileSync(`${FIX}/gpt2_modadd23_s1.config.json`, 'utf8'), configName: 'config.json',
      inputs: await fileSource(`${FIX}/gpt2_modadd23_pairs.safetensors`), inputsName: 'gpt2_modadd23_pairs.safetensors',
    }), { inputCap: 16, numericalFloor: FLOOR, perDecade: 1, detectors: ['node-death', 'ln-kernel', 'bottom-subspace'] });
    expect(web.probe?.labels?.accuracy).toBeCloseTo(cpu.probe!.labels!.accuracy!, 10);
    compare('gpt2', cpu, web);
  }, 300_000);

  it('positions all: the Fisher summed over every position (rows = samples × T in the Fisher kernel)', async () => {
    const ck = gpt2Hf();
    const [cpu, web] = await both(async () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'gpt2.safetensors', configText: JSON.stringify(ck.config) }),
      { probe: 8, numericalFloor: FLOOR, perDecade: 2, detectors: ['node-death', 'ln-kernel'], positions: 'all' });
    expect(web.settings.positions).toBe('all');
    expect(web.warnings[0]).toMatch(/every position \(the Fisher summed over the 5\)/);
    compare('gpt2 positions all', cpu, web);
  }, 300_000);

  it('a LLaMA-style checkpoint: rotary half-split attention with grouped key/value heads, SwiGLU', async () => {
    const ck = llamaHf(3);
    const [cpu, web] = await both(async () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) }),
      { probe: 16, numericalFloor: FLOOR, perDecade: 2, detectors: ['glu-unit'] });
    compare('llama', cpu, web);
  }, 300_000);

  it('one module per head (the lecture GPT, heads joined by concat), a fused gate_up (Phi-3), vit-pytorch (patches op)', async () => {
    const ph = perHead();
    const [cpu, web] = await both(async () => ({ checkpoint: bytesSource(ph.bytes), checkpointName: 'gpt.safetensors', configText: JSON.stringify(ph.config) }),
      { probe: 8, numericalFloor: FLOOR, perDecade: 2, detectors: ['node-death', 'qk-rotation', 'vo-linear'] });
    compare('per-head', cpu, web);
    const phi = fusedPhi3(5);
    const [cpu3, web3] = await both(async () => ({ checkpoint: bytesSource(phi.bytes), checkpointName: 'phi3.safetensors', configText: JSON.stringify(phi.config) }),
      { probe: 8, numericalFloor: FLOOR, perDecade: 2, detectors: ['glu-unit'] });
    compare('phi3', cpu3, web3);
    const vit = nestedWrappers();
    const [cpuV, webV] = await both(async () => ({ checkpoint: bytesSource(vit.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify(vit.config) }),
      { probe: 8, numericalFloor: FLOOR, perDecade: 2, detectors: ['node-death', 'ln-kernel', 'qk-rotation'] });
    compare('vit-pytorch', cpuV, webV);
  }, 300_000);

  it('a DINOv2 classifier with registers: layer scale, register tokens after CLS, the head on CLS and the mean of the patch tokens (take, mean, concat)', async () => {
    const ck = dinov2Classifier(4);
    const [cpu, web] = await both(async () => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'dinov2.safetensors', configText: JSON.stringify(ck.config) }),
      { probe: 8, numericalFloor: FLOOR, perDecade: 2, detectors: ['node-death', 'softmax-shift', 'bottom-subspace'] });
    expect(cpu.directions.some((d) => d.layer === 'classifier')).toBe(true);
    compare('dinov2 classifier', cpu, web);
  }, 300_000);
});
