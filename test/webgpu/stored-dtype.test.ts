/**
 * The WebGPU engine computes from F16/BF16 weights held as their 16-bit words (the params buffer
 * holds the words; the kernels decode as they load): a read of a checkpoint stored as F16 or BF16
 * equals, to the bit, the read of the same rounded values stored as F32 — the decode is exact and
 * everything after it is the same f32 arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { WebGpuEngine } from '../../src/engine/webgpu/engine.ts';
import { gpt2Hf } from '../helpers/transformers.ts';
import { rounded } from '../helpers/rounded.ts';
import { skipNote, testGpu } from './gpu.ts';

const gpu = await testGpu();

describe.skipIf(!gpu)(`WebGPU reads of 16-bit checkpoints${skipNote(gpu)}`, () => {
  for (const dtype of ['F16', 'BF16'] as const) it(`a GPT-2-shaped checkpoint stored as ${dtype} reads as the same values stored as F32, to the bit`, async () => {
    const ck = gpt2Hf();
    const { half, f32 } = await rounded(ck.bytes, dtype);
    const bufferBytes: number[] = [];
    const read = async (bytes: Uint8Array) => {
      const engine = new WebGpuEngine(gpu!.dev.device, gpu!.dev.description);
      try {
        return await readCheckpoint({ checkpoint: bytesSource(bytes), checkpointName: `gpt2-${dtype}.safetensors`, configText: JSON.stringify(ck.config), configName: 'config.json' },
          { scope: 'whole', backend: 'webgpu', probe: 8, perDecade: 1, detectors: ['node-death', 'ln-kernel', 'qk-rotation'] }, engine);
      } finally {
        bufferBytes.push(engine.paramBufferBytes);
        engine.dispose();
      }
    };
    const a = await read(half), b = await read(f32);
    // the GPU holds the words: half the bytes of the F32 file's tensors (each 16-bit tensor padded to a whole u32)
    console.log(`params buffer of the last prepare: ${bufferBytes[0]} B (${dtype}) vs ${bufferBytes[1]} B (F32)`);
    expect(bufferBytes[1]).toBeGreaterThan(1000);
    expect(bufferBytes[0]).toBeGreaterThanOrEqual(bufferBytes[1] / 2);
    expect(bufferBytes[0]).toBeLessThan(bufferBytes[1] / 2 + 1024);
    expect(a.backend).toBe('webgpu');
    expect(a.directions.length).toBeGreaterThan(20);
    expect(a.directions.map((d) => [d.id, d.scan.F, d.class])).toEqual(b.directions.map((d) => [d.id, d.scan.F, d.class]));
  }, 300_000);
});
