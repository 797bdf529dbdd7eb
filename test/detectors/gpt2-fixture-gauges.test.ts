/**
 * The shipped GPT-2 fixture (modular addition, 1 layer, 4 heads, d = 32, tied unembedding) read
 * as a whole network on the CPU engine in f64: every LayerNorm gauge and every query–key rotation
 * reads class gauge (METHOD §3: R below ρ along the exact path), as do the other transformer gauges
 * the wiring admits; the tied embedding has no residual-mean gauge and the final norm no kernel.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { fixture } from '../helpers/read.ts';

const GPT2 = 'gpt2_modadd23_s1.safetensors';
const GAUGES = ['ln-mean', 'ln-scale', 'ln-kernel', 'qk-rotation', 'qk-linear', 'vo-linear', 'softmax-shift', 'residual-mean', 'ln-rescaling', 'rms-rescaling'];

describe('GPT-2 fixture, whole network', () => {
  it('every ln-* and qk-rotation direction (and every other transformer gauge) reads class gauge', async () => {
    const src = await fileSource(fixture(GPT2));
    try {
      const r = await readCheckpoint(
        { checkpoint: src, checkpointName: GPT2, configText: readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8'), configName: 'config.json' },
        { probe: 32, detectors: GAUGES, perDecade: 2 }, new CpuEngine({ precision: 'f64' }),
      );
      expect(r.scope ?? 'whole').not.toBe('block-local');
      const by = (det: string) => r.directions.filter((d) => d.detector === det);
      expect(by('qk-rotation').length).toBe(4); // one per head
      expect(by('vo-linear').length).toBe(4);
      expect(by('ln-kernel').map((d) => d.layer).sort()).toEqual(['transformer.h.0.ln_1', 'transformer.h.0.ln_2']); // not ln_f → tied unembedding
      expect(by('residual-mean').map((d) => d.layer)).not.toContain('transformer.wte');
      expect(by('residual-mean').length).toBe(3); // wpe, attn.c_proj, mlp.c_proj
      for (const d of r.directions) {
        expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
        expect(d.ratio, d.id).toBeLessThan(1e-12);
      }
      for (const d of by('qk-rotation')) {
        // the straight line leaves the orbit: F grows as t² along it (reads k̂ ≈ 2)
        expect(d.scan.F[d.scan.F.length - 1] / d.fLive, d.id).toBeGreaterThan(1e-8);
        expect(d.k, d.id).toBeCloseTo(2, 0);
      }
    } finally {
      await src.close();
    }
  }, 120_000);
});
