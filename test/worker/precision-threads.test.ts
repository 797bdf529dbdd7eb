/**
 * The read worker honours the read's precision, and reads on one thread where the context is not
 * cross-origin isolated (no SharedArrayBuffer for a pool: here Node, where crossOriginIsolated is
 * undefined), whatever `threads` says. The reference is the pipeline run directly on an engine of
 * the asked precision.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReaderService } from '../../src/worker/read.worker.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { browserThreads } from '../../src/fast/pool-browser.ts';

const NAME = 'ts_relu_adamw_s1.safetensors';
const PATH = resolve(import.meta.dirname, '../../fixtures', NAME);
const OPTIONS = { probe: 64, perDecade: 2, liveProbes: 2, backend: 'cpu' as const };

describe('read worker: precision and threads', () => {
  it('an f64 read with threads 2 outside an isolated context runs the f64 engine on one thread', async () => {
    expect(browserThreads(2)).toBe(1);
    const service = new ReaderService('node');
    const result = await service.read({ checkpoint: new Blob([readFileSync(PATH)]), checkpointName: NAME }, { ...OPTIONS, precision: 'f64', threads: 2 }, () => {});
    expect(result.settings.precision).toBe('f64');
    expect(result.settings.adapter).toBe('CPU engine (TypeScript, f64)');
    const source = await fileSource(PATH);
    try {
      const direct = await readCheckpoint({ checkpoint: source, checkpointName: NAME }, OPTIONS, new CpuEngine({ precision: 'f64' }));
      expect(result.directions.map((d) => [d.id, d.class, d.kRounded, d.scan.F])).toEqual(direct.directions.map((d) => [d.id, d.class, d.kRounded, d.scan.F]));
    } finally {
      await source.close();
    }
  });
  it('f32 and f64 reads run in the precision asked: each equals the pipeline on that engine, F differs at rounding level, classes agree', async () => {
    const service = new ReaderService('node');
    const source = await fileSource(PATH);
    const runs: Record<'f32' | 'f64', Awaited<ReturnType<typeof service.read>>> = {} as never;
    try {
      for (const precision of ['f32', 'f64'] as const) {
        const result = await service.read({ checkpoint: new Blob([readFileSync(PATH)]), checkpointName: NAME }, { ...OPTIONS, precision, threads: 1 }, () => {});
        const engine = new CpuEngine({ precision });
        expect(result.settings.precision).toBe(precision);
        expect(result.settings.adapter).toBe(engine.description);
        expect((await service.backend()).description).toBe(engine.description);
        const direct = await readCheckpoint({ checkpoint: source, checkpointName: NAME }, OPTIONS, engine);
        expect(result.directions.map((d) => [d.id, d.class, d.kRounded, d.scan.F])).toEqual(direct.directions.map((d) => [d.id, d.class, d.kRounded, d.scan.F]));
        runs[precision] = result;
      }
    } finally {
      await source.close();
    }
    expect(runs.f32.settings.adapter).not.toBe(runs.f64.settings.adapter);
    const f32 = runs.f32.directions, f64 = runs.f64.directions;
    expect(f32.map((d) => [d.id, d.class, d.kRounded])).toEqual(f64.map((d) => [d.id, d.class, d.kRounded]));
    // F in f32 is the f64 value up to f32 rounding: not bit-equal somewhere, and nowhere far off
    let differing = 0, worst = 0;
    f32.forEach((d, i) => d.scan.F.forEach((x, j) => {
      const y = f64[i]!.scan.F[j]!;
      if (x !== y) differing++;
      const scale = Math.max(...f64[i]!.scan.F.map(Math.abs));
      if (scale > 0) worst = Math.max(worst, Math.abs(x - y) / scale);
    }));
    expect(differing, 'f32 and f64 F are not the same numbers').toBeGreaterThan(0);
    expect(worst, 'largest |F32 − F64| relative to the direction’s largest F').toBeLessThan(1e-5); // measured 4.2e-8 (f32 ε = 6e-8)
  });
});
