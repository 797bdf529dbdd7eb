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
});
