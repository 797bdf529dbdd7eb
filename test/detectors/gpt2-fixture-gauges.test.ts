/**
 * The shipped GPT-2 fixture (modular addition, 1 layer, 4 heads, d = 32, tied unembedding) read
 * as a whole network on the CPU engine in f64: every LayerNorm gauge and every query–key rotation
 * reads class gauge (METHOD §3: R below ρ along the exact path), as do the other transformer gauges
 * the wiring admits; the tied embedding has no residual-mean gauge and the final norm no kernel.
 * Its MLP units (none dead: every unit's weights are non-zero) read live at order 1, and the scan's
 * Fisher equals the classification Fisher of an independent forward (test/helpers/transformer-
 * forward.ts) differentiated by central differences.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileSource } from '../../src/format/node-source.ts';
import { loadModel, readCheckpoint } from '../../src/read/pipeline.ts';
import { openSafetensors } from '../../src/format/safetensors.ts';
import * as R from '../helpers/transformer-forward.ts';
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

describe('GPT-2 fixture, whole network: MLP units', () => {
  it('node-death directions read live at k̂ ≈ 1, and their scans equal an independent forward\'s classification Fisher', async () => {
    const config = readFileSync(fixture('gpt2_modadd23_s1.config.json'), 'utf8');
    const probe = 32;
    const src = await fileSource(fixture(GPT2));
    try {
      const sources = { checkpoint: src, checkpointName: GPT2, configText: config, configName: 'config.json' };
      const r = await readCheckpoint(sources, { probe, detectors: ['node-death'] }, new CpuEngine({ precision: 'f64' }));
      expect(r.scope ?? 'whole').toBe('whole');
      const units = r.directions.filter((d) => d.detector === 'node-death');
      expect(units.length).toBe(128);
      // a live unit: F(t) → F(0) > 0 as t → 0, so the line reads order 1 (k̂ = 1 + slope/2 near 1);
      // none of them is singular, inactive or gauge
      expect(units.filter((d) => d.class === 'live').length).toBeGreaterThan(0.9 * units.length);
      for (const d of units) {
        expect(['live', 'pre-asymptotic'], `${d.id}: ${d.reason}`).toContain(d.class);
        expect(d.scan.F[0] / d.fLive, d.id).toBeGreaterThan(1e-3);
        if (d.class === 'live') expect(Math.abs(d.k! - 1), d.id).toBeLessThan(0.2);
      }
      // the scan's values: the same seeded tokens through an independent forward, Jv by central differences
      const m = await loadModel(sources, { probe });
      const T = m.probe.data.length / probe;
      const xs = Array.from({ length: probe }, (_, s) => [...m.probe.data.slice(s * T, (s + 1) * T)]);
      const file = await openSafetensors(src, GPT2);
      const w: R.Tensors = {};
      for (const t of file.tensors) w[t.name] = await file.readFloat64(t.name);
      const forward = (tw: R.Tensors, x: number[]) => R.gpt2Forward(tw, x, { D: 32, H: 4, layers: 1, eps: 1e-5, act: 'gelu_tanh' }, { prefix: 'transformer.', stored: 'in-out', lmHead: 'transformer.wte.weight' });
      const d = 32, h = 128, fc = 'transformer.h.0.mlp.c_fc', proj = 'transformer.h.0.mlp.c_proj';
      for (const u of [0, 77]) {
        const dir = units.find((x) => x.id === `node-death:${fc}:${u}`)!;
        // Conv1D [in, out]: column u of c_fc with its bias, row u of c_proj, each normalised, /√2
        const alpha = [...Array.from({ length: d }, (_, i) => w[`${fc}.weight`][i * h + u]), w[`${fc}.bias`][u]];
        const beta = Array.from({ length: d }, (_, o) => w[`${proj}.weight`][u * d + o]);
        const na = Math.hypot(...alpha), nb = Math.hypot(...beta);
        const at = (t: number): R.Tensors => {
          const c = { ...w, [`${fc}.weight`]: w[`${fc}.weight`].slice(), [`${fc}.bias`]: w[`${fc}.bias`].slice(), [`${proj}.weight`]: w[`${proj}.weight`].slice() };
          for (let i = 0; i < d; i++) c[`${fc}.weight`][i * h + u] += (t * alpha[i]) / na / Math.SQRT2;
          c[`${fc}.bias`][u] += (t * alpha[d]) / na / Math.SQRT2;
          for (let o = 0; o < d; o++) c[`${proj}.weight`][u * d + o] += (t * beta[o]) / nb / Math.SQRT2;
          return c;
        };
        for (const i of [0, dir.scan.t.length - 1]) {
          const t = dir.scan.t[i];
          const F = R.classificationFisher(forward, w, (_w, s) => at(s), t, xs);
          expect(Math.abs(dir.scan.F[i] - F) / F, `unit ${u}, t = ${t}`).toBeLessThan(1e-5);
        }
      }
    } finally {
      await src.close();
    }
  }, 120_000);
});
