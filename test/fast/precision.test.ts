/**
 * The f32 default and the f64 reference read every fixture the same: same class and kRounded for
 * every direction, F within 1e-4 relative wherever F is above the numerical floor.
 * The MNIST conv net (one image, a coarse grid) takes the pattern scan, whose convolutions run in the
 * f32 WebAssembly kernel in the f32 mode. (GPT-2 reads take no fast path: their F is computed by the
 * same f64 code in both modes, so they are left out of this unit stage for time.)
 */
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import { fixture } from '../helpers/read.ts';

const cases: [string, Partial<ReadOptions>, string?][] = [
  ['ts_relu_adamw_s1.safetensors', {}],
  ['ts_relu2_adamw_s1.safetensors', {}],
  ['ts_relu2_muon_s1.safetensors', {}],
  ['ts_tanh_adamw_s1.safetensors', {}],
  ['lnmlp_gelu_s1.safetensors', {}],
  ['rrr_M3H3N5r1_s1.safetensors', {}],
  ['mnist-mlp-dfdx.safetensors', { inputCap: 24, detectors: ['node-death', 'inactive'] }, 'mnist-test-1000.safetensors'],
  ['mnist-convnet-tinygrad.safetensors', { inputCap: 1, inputScale: 1, tMin: 1e-2, perDecade: 1, liveProbes: 2 }, 'mnist-test-1000.safetensors'],
];

async function read(name: string, options: Partial<ReadOptions>, inputs: string | undefined, precision: 'f32' | 'f64') {
  const checkpoint = await fileSource(fixture(name));
  const inputSource = inputs ? await fileSource(fixture(inputs)) : null;
  try {
    return await readCheckpoint({ checkpoint, checkpointName: name, inputs: inputSource, inputsName: inputs ?? null }, options, new CpuEngine({ precision }));
  } finally {
    await checkpoint.close();
    await inputSource?.close();
  }
}

describe('f32 and f64 reads agree', () => {
  for (const [name, options, inputs] of cases) {
    it(name, async () => {
      const [a, b] = [await read(name, options, inputs, 'f64'), await read(name, options, inputs, 'f32')];
      expect(a.settings.precision).toBe('f64');
      expect(b.settings.precision).toBe('f32');
      expect(b.directions.map((d) => d.id)).toEqual(a.directions.map((d) => d.id));
      a.directions.forEach((d, i) => {
        const e = b.directions[i];
        expect([e.class, e.kRounded], d.id).toEqual([d.class, d.kRounded]);
        const floor = 1e-10 * Math.max(d.fLive, ...d.scan.F);
        d.scan.F.forEach((f, j) => {
          if (f > floor) expect(Math.abs(e.scan.F[j] - f), `${d.id} t=${d.scan.t[j]}`).toBeLessThanOrEqual(1e-4 * f);
        });
      });
    }, 120_000);
  }
});
