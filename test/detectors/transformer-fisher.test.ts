/**
 * The transformer gauges read by the pipeline on whole-network graphs (CPU engine, f64): along
 * each gauge's exact path the directional Fisher sits at the numerical floor (class gauge), while
 * the straight line along a curved orbit's tangent leaves it (F > 0; the query–key rotation's line
 * reads k̂ ≈ 2 at a tiny magnitude, METHOD §3). F_live is the pipeline's live reference.
 */
import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';
import { scanGraph } from '../../src/read/pipeline.ts';
import { DEFAULT_OPTIONS } from '../../src/read/options.ts';
import type { DirectionResult } from '../../src/read/schema.ts';
import { build, GPT2_LIKE, LLAMA_LIKE, TL_LIKE, VIT_LIKE, type Spec } from './transformer-model.ts';

const GAUGES = ['ln-mean', 'ln-kernel', 'qk-rotation', 'qk-linear', 'vo-linear', 'softmax-shift', 'residual-mean', 'ln-rescaling', 'rms-rescaling'];
const CURVED = new Set(['qk-rotation', 'qk-linear', 'vo-linear', 'ln-rescaling', 'rms-rescaling']);

async function read(spec: Spec): Promise<DirectionResult[]> {
  const { graph, params } = build(spec);
  const rng = createRng(21);
  const count = 12;
  const probe = spec.images
    ? { count, shape: graph.inputShape, data: Float64Array.from({ length: count * graph.inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal()) }
    : { count, shape: [spec.T], data: Float64Array.from({ length: count * spec.T }, () => Math.floor(rng.next() * spec.vocab)) };
  const r = await scanGraph(new CpuEngine({ precision: 'f64' }), { graph, params, probe, head: 'classification' }, { ...DEFAULT_OPTIONS, detectors: GAUGES, perDecade: 2 });
  return r.directions;
}

describe('transformer gauges read class gauge along their orbits (CPU engine, f64)', () => {
  const cases: [string, Spec][] = [['GPT-2-like (fused QKV)', GPT2_LIKE], ['GPT-2-like, q/k/v maps [out, in]', { ...GPT2_LIKE, fused: false, layout: 'out-in' }], ['LLaMA-like (GQA, rotary)', LLAMA_LIKE], ['TransformerLens-like (W_Q [heads, D, dh])', TL_LIKE],
    ['ViT-like (patch conv, CLS, layer scale)', VIT_LIKE]];
  for (const [name, spec] of cases) {
    it(`${name}: every gauge direction reads gauge; curved orbits' straight lines leave the floor`, async () => {
      const dirs = await read(spec);
      const detectors = new Set(dirs.map((d) => d.detector));
      for (const det of ['qk-rotation', 'qk-linear', 'vo-linear', 'softmax-shift']) expect(detectors.has(det), det).toBe(true);
      for (const det of spec.norm === 'layernorm' ? ['ln-kernel', 'residual-mean', 'ln-rescaling'] : ['rms-rescaling']) expect(detectors.has(det), det).toBe(true);
      for (const d of dirs) {
        expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
        // at the floor along the path: far below ρ = 1e-3, rounding of an f64 forward
        expect(d.ratio, d.id).toBeLessThan(1e-18);
        if (CURVED.has(d.detector)) {
          expect(d.orbitScan, d.id).toBeDefined();
          // the line leaves the orbit at O(t²): F grows as t² along it
          const F = d.scan.F;
          expect(F[F.length - 1] / d.fLive, d.id).toBeGreaterThan(1e-6);
          expect(F[F.length - 1] / F[0], d.id).toBeGreaterThan(1e4);
        }
      }
      // the query–key rotation's straight line reads order 2
      for (const d of dirs.filter((x) => x.detector === 'qk-rotation')) expect(d.k, d.id).toBeCloseTo(2, 0);
    }, 120_000);
  }
});
