/**
 * Whole-read parity: the same read (pipeline, detectors, classification) on the CPU engine and on
 * the WebGPU engine gives the same class for every direction, the same kRounded for every
 * direction whose scan rises above the f32 floor, and the same scans within f32 accuracy:
 * 1e-3 relative wherever F > 1e-6 of the direction's largest and F > 1e-7·F_live. (f32 rounding
 * of Jv is ≈ 1e-7 of a live direction's Jv, so F carries an error of ≈ 2e-7·√(F·F_live): below
 * 1e-7·F_live — e.g. the LayerNorm scale gauge at 7e-11·F_live, a 1e-5 cancellation inside the
 * LayerNorm JVP — f32 resolves F only to ≈ 1e-2, which does not change its class.)
 *
 * The f32 floor: where the f64 engine reads F/F_live ≈ 1e-30 (exact gauges, null directions of a
 * linear chain) the f32 engine reads rounding residue of 1e-17…1e-14. At the default
 * numericalFloor (1e-30) either engine may then read a "window" in its own noise, so kRounded is
 * compared only on directions with max F > FLOOR·F_live; with numericalFloor = FLOOR set for both
 * reads, every direction must agree exactly.
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { skipNote, testGpu } from './gpu.ts';
import { readDifferences, readOnBoth } from './parity.ts';

const gpu = await testGpu();
/** comfortably above f32 rounding of F = ‖Jv‖² (≈ 1e-14 of F_live) */
const FLOOR = 1e-12;
const FIX = resolve(import.meta.dirname, '../../fixtures');

describe.skipIf(!gpu)(`whole read: WebGPU vs CPU engine${skipNote(gpu)}`, () => {
  const cases: [string, Record<string, unknown>][] = [
    ['ts_relu2_adamw_s1.safetensors', { probe: 256 }],
    ['ts_relu_adamw_s1.safetensors', { probe: 256 }],
    ['ts_tanh_adamw_s1.safetensors', { probe: 256 }],
    ['ts_relu2_muon_s1.safetensors', { probe: 256 }],
    ['lnmlp_gelu_s1.safetensors', { probe: 128 }],
    ['rrr_M3H3N5r1_s1.safetensors', { probe: 256 }],
  ];
  for (const [name, options] of cases) {
    for (const floor of [null, FLOOR]) it(`${name}: identical class and kRounded for every direction${floor ? ` (numericalFloor ${floor})` : ' above the f32 floor (default settings)'}`, async () => {
      const opts = floor ? { ...options, numericalFloor: floor } : options;
      const [cpu, gpuRead] = await readOnBoth(gpu!, async () => ({ checkpoint: await fileSource(`${FIX}/${name}`), checkpointName: name }), opts, new CpuEngine());
      const { diffs, worst } = readDifferences(cpu, gpuRead, FLOOR, floor === null ? 'above-floor' : 'always');
      console.log(`${name}: ${cpu.directions.length} directions, max rel err of F ${worst.toExponential(2)}, cpu ${cpu.timing.totalMs} ms, webgpu ${gpuRead.timing.totalMs} ms`);
      expect(diffs).toEqual([]);
      expect(worst).toBeLessThan(1e-3);
    });
  }
});
