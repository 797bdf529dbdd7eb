/** The CPU engine on a pool of worker threads reads exactly what it reads on one thread. */
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/format/node-source.ts';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors, type WriterTensor } from '../../src/format/writer.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { PooledCpuEngine } from '../../src/fast/pool.ts';
import type { FisherEngine } from '../../src/engine/types.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import { fixture } from '../helpers/read.ts';

async function read(name: string, options: Partial<ReadOptions>, inputs: string | null, engine: FisherEngine) {
  const checkpoint = await fileSource(fixture(name));
  const inputSource = inputs ? await fileSource(fixture(inputs)) : null;
  try {
    return await readCheckpoint({ checkpoint, checkpointName: name, inputs: inputSource, inputsName: inputs }, options, engine);
  } finally {
    await checkpoint.close();
    await inputSource?.close();
    engine.dispose();
  }
}

describe('worker-pool reads = single-thread reads', () => {
  const cases: [string, Partial<ReadOptions>, string | null][] = [
    ['ts_relu_adamw_s1.safetensors', {}, null],
    ['mnist-mlp-dfdx.safetensors', { inputCap: 16, detectors: ['node-death'], perDecade: 2 }, 'mnist-test-1000.safetensors'],
  ];
  for (const [name, options, inputs] of cases) {
    it(name, async () => {
      const one = await read(name, options, inputs, new CpuEngine());
      const pool = new PooledCpuEngine({ threads: 2 });
      const many = await read(name, options, inputs, pool);
      expect(many.settings.adapter).toMatch(/× 2 threads/);
      expect(pool.chunksPerThread[0] + pool.chunksPerThread[1]).toBeGreaterThanOrEqual(many.directions.length);
      // the worker thread answered directions beside the main thread (on the tiny network the main
      // thread may take every chunk of a call before the worker wakes: same F either way)
      if (name.startsWith('mnist')) expect(pool.chunksPerThread[1]).toBeGreaterThan(0);
      console.log(`${name}: chunks by thread ${pool.chunksPerThread.join('/')}`);
      expect(many.directions.length).toBe(one.directions.length);
      one.directions.forEach((d, i) => {
        const e = many.directions[i];
        expect([e.id, e.class, e.kRounded, e.fLive], d.id).toEqual([d.id, d.class, d.kRounded, d.fLive]);
        expect(e.scan.F, d.id).toEqual(d.scan.F);
        expect(e.orbitScan?.F, d.id).toEqual(d.orbitScan?.F);
      });
    }, 180_000);
  }
});

describe('worker-pool reads of a checkpoint stored as F16', () => {
  it('the threads (sharing the 16-bit words) read what one thread reads, to the bit', async () => {
    const name = 'mnist-mlp-dfdx.safetensors';
    const src = await fileSource(fixture(name));
    const file = await openSafetensors(src, name);
    const tensors: WriterTensor[] = [];
    for (const t of file.tensors) tensors.push({ name: t.name, dtype: 'F16', shape: t.shape, data: await file.readFloat64(t.name) });
    const bytes = writeSafetensors(tensors, file.metadata ?? undefined);
    await src.close();
    const options: Partial<ReadOptions> = { inputCap: 16, detectors: ['node-death'], perDecade: 2 };
    const readF16 = async (engine: FisherEngine) => {
      const inputs = await fileSource(fixture('mnist-test-1000.safetensors'));
      try {
        return await readCheckpoint({ checkpoint: bytesSource(bytes), checkpointName: 'f16.safetensors', inputs, inputsName: 'mnist-test-1000.safetensors' }, options, engine);
      } finally {
        await inputs.close();
        engine.dispose();
      }
    };
    const one = await readF16(new CpuEngine());
    const pool = new PooledCpuEngine({ threads: 2 });
    const many = await readF16(pool);
    expect(pool.chunksPerThread[1]).toBeGreaterThan(0);
    expect(many.directions.length).toBe(one.directions.length);
    expect(many.directions.length).toBeGreaterThan(100);
    one.directions.forEach((d, i) => expect(many.directions[i].scan.F, d.id).toEqual(d.scan.F));
  }, 180_000);
});

describe('worker-pool reads and cancel', () => {
  it('a cancel after the first directions stops the pooled read with CancelledError, the streamed directions kept', async () => {
    const name = 'mnist-mlp-dfdx.safetensors';
    const checkpoint = await fileSource(fixture(name));
    const inputs = await fileSource(fixture('mnist-test-1000.safetensors'));
    const engine = new PooledCpuEngine({ threads: 2 });
    const stop = new AbortController();
    const streamed: string[] = [];
    try {
      const error = await readCheckpoint({ checkpoint, checkpointName: name, inputs, inputsName: 'mnist-test-1000.safetensors' },
        { inputCap: 64, detectors: ['node-death'], perDecade: 2 }, engine, {
          signal: stop.signal,
          onDirection: (d) => {
            streamed.push(d.id);
            stop.abort();
          },
        }).then(() => null, (e: Error) => e);
      expect(error?.name).toBe('CancelledError');
      // the first call's directions stream, then the read stops: not all 672
      expect(streamed.length).toBeGreaterThan(0);
      expect(streamed.length).toBeLessThan(672);
    } finally {
      engine.dispose();
      await checkpoint.close();
      await inputs.close();
    }
  }, 120_000);
});
