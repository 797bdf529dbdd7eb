/**
 * Parameters held in their stored precision (issue 10/12): F32, F16 and BF16 tensors are held as
 * float32 (exact), F64 as f64, and a read of the same values stored as F64, F32, F16 or BF16 is the
 * same read to the bit. Block-local reads open by the header alone and read each block's tensors only
 * when that block is read.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors, type WriterTensor } from '../../src/format/writer.ts';
import { bytesSource, openSafetensors, type ByteSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { planBlockLocal } from '../../src/read/block-local.ts';
import { DEFAULT_OPTIONS } from '../../src/read/options.ts';
import { parameterBytes } from '../../src/read/memory.ts';
import { DECODED_BUDGET_BYTES, HalfTensor, decodedBytesKept, heldBytes, setDecodedBudgetBytes } from '../../src/format/held-tensor.ts';
import { tensorTable } from '../../src/model/inspect.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';
import * as T from '../helpers/transformers.ts';
import { rounded as roundedTo } from '../helpers/rounded.ts';

// values k/256 with |k| < 256: 8 significant bits at most, so F16, BF16 and F32 all hold them exactly
const widths = [3, 6, 5, 2];
function mlp(dtype: WriterTensor['dtype']): Uint8Array {
  const rng = createRng(5);
  const tensors: WriterTensor[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [i, o] = [widths[l], widths[l + 1]];
    const draw = (n: number) => Array.from({ length: n }, () => Math.max(-255, Math.min(255, Math.round(100 * rng.normal()))) / 256);
    tensors.push({ name: `${2 * l}.weight`, dtype, shape: [o, i], data: draw(o * i) });
    tensors.push({ name: `${2 * l}.bias`, dtype, shape: [o], data: draw(o) });
  }
  return writeSafetensors(tensors, { activation: 'relu', head: 'classification' });
}

describe('parameters in their stored precision', () => {
  it('readParameter: F16/BF16 as their 16-bit words, F32 as float32, F64 as f64 (chunked or not); the same values', async () => {
    const reference = await (await openSafetensors(bytesSource(mlp('F64')), 'f64')).readFloat64('2.weight');
    for (const dtype of ['F64', 'F32', 'F16', 'BF16'] as const) {
      const file = await openSafetensors(bytesSource(mlp(dtype)), dtype);
      for (const chunk of [undefined, 8]) {
        const w = await file.readParameter('2.weight', chunk);
        if (dtype === 'F16' || dtype === 'BF16') {
          expect(w, dtype).toBeInstanceOf(HalfTensor);
          // the words are the file's bytes for this tensor, no more
          expect((w as HalfTensor).words.byteLength).toBe(file.tensor('2.weight').byteLength);
          expect(new Uint8Array((w as HalfTensor).words.buffer, (w as HalfTensor).words.byteOffset, (w as HalfTensor).words.byteLength)).toEqual(await file.readRaw('2.weight'));
        }
        expect(w.data, dtype).toBeInstanceOf(dtype === 'F64' ? Float64Array : Float32Array);
        expect(w.shape).toEqual(file.tensor('2.weight').shape);
        expect(Array.from(w.data), `${dtype} chunk ${chunk}`).toEqual(Array.from(reference));
      }
    }
  });

  it('the same values stored as F64, F32, F16 or BF16 read the same, to the bit, on the f64 and f32 engines', async () => {
    for (const precision of ['f64', 'f32'] as const) {
      const reads = [];
      for (const dtype of ['F64', 'F32', 'F16', 'BF16'] as const) {
        const r = await readCheckpoint({ checkpoint: bytesSource(mlp(dtype)), checkpointName: 'mlp.safetensors' },
          { probe: 32, detectors: ['node-death', 'bottom-subspace', 'relu-rescaling'], bottomK: 2, precision }, new CpuEngine({ precision }));
        reads.push(r.directions.map((d) => ({ id: d.id, F: d.scan.F, fLive: d.fLive, class: d.class, k: d.k })));
      }
      expect(reads[0].length).toBeGreaterThan(10);
      for (const r of reads.slice(1)) expect(r).toEqual(reads[0]);
    }
  });
});

/** gpt2Hf's tensors rounded to `dtype`, and the same rounded values written as F32 */
const rounded = (dtype: 'F16' | 'BF16') => roundedTo(T.gpt2Hf().bytes, dtype);

/** A source that records the byte ranges read from it. */
function counting(bytes: Uint8Array): ByteSource & { ranges: [number, number][] } {
  const inner = bytesSource(bytes);
  const ranges: [number, number][] = [];
  return { size: inner.size, ranges, read: (offset, length) => { ranges.push([offset, length]); return inner.read(offset, length); } };
}

describe('block-local reads hold one block at a time', () => {
  it('planning reads the header alone; each block reads only its own tensors, when it is read (F32, F16, BF16)', async () => {
    const ck = T.gpt2Hf();
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const src = counting(dtype === 'F32' ? ck.bytes : (await rounded(dtype)).half);
      const file = await openSafetensors(src, `gpt2-${dtype}.safetensors`);
      const header = src.ranges.length;
      const dataStart = 8 + file.headerLength;
      const plan = (await planBlockLocal(file, ck.config, DEFAULT_OPTIONS))!;
      expect(src.ranges.length).toBe(header); // no tensor read while planning
      expect(plan.chains.length).toBeGreaterThan(2);
      for (const chain of plan.chains) {
        const before = src.ranges.length;
        const params = await chain.loadParams();
        const read = src.ranges.slice(before).map(([o, n]) => [o - dataStart, o - dataStart + n]);
        // every range read is one of this block's tensors (a fused half reads its whole tensor)
        const own = new Set([...params.keys()].map((n) => n.replace(/\[(gate|up)\]$/, '')));
        const spans = file.tensors.filter((t) => own.has(t.name)).map((t) => [t.begin, t.end]);
        expect(read.length).toBeGreaterThan(0);
        for (const r of read) expect(spans, chain.name).toContainEqual(r);
        // held as float32 whatever the stored 16- or 32-bit float dtype (docs/METHOD.md notes)
        for (const t of params.values()) expect(t.data, `${dtype} ${chain.name}`).toBeInstanceOf(Float32Array);
      }
    }
  });
});

describe('the tensor table of a 16-bit file', () => {
  it('has each tensor\'s statistics of its decoded values, and leaves no decoded copy in the cache', async () => {
    setDecodedBudgetBytes(0);
    setDecodedBudgetBytes(DECODED_BUDGET_BYTES);
    const bytes = mlp('F16');
    const file = await openSafetensors(bytesSource(bytes), 'f16.safetensors');
    const rows = await tensorTable(file);
    expect(decodedBytesKept()).toBe(0);
    for (const row of rows) {
      const v = Array.from(await file.readFloat64(row.name));
      expect(row.min).toBe(Math.min(...v));
      expect(row.max).toBe(Math.max(...v));
      expect(row.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12);
    }
  });
});

describe('the working-set estimate counts the parameters as they are held', () => {
  it('parameterBytes is the bytes readParameter holds, plus the decode cache\'s bound for F16/BF16 files', async () => {
    const files: [string, Uint8Array][] = [['F64', mlp('F64')], ['F32', T.gpt2Hf().bytes], ['F16', (await rounded('F16')).half], ['BF16', (await rounded('BF16')).half]];
    for (const [dtype, bytes] of files) {
      const file = await openSafetensors(bytesSource(bytes), `${dtype}.safetensors`);
      let held = 0;
      for (const t of file.tensors) held += heldBytes(await file.readParameter(t.name));
      // every element's stored bytes: 8 (F64), 4 (F32), 2 (F16/BF16)
      const per = { F64: 8, F32: 4, F16: 2, BF16: 2 }[dtype]!;
      expect(held, dtype).toBe(per * file.tensors.reduce((s, t) => s + t.elements, 0));
      // a small model: every 16-bit tensor's float32 copy fits the cache, so the bound is all of them (2× the words)
      expect(parameterBytes(file.tensors), dtype).toBe(per === 2 ? 3 * held : held);
    }
  });
});

describe('a GPT-2-shaped checkpoint stored as F16 or BF16', () => {
  const config = JSON.stringify(T.gpt2Hf().config);
  const summary = (r: Awaited<ReturnType<typeof readCheckpoint>>) => r.directions.map((d) => ({ id: d.id, F: d.scan.F, class: d.class, k: d.k, kRounded: d.kRounded }));

  it('reads (whole network and block-local) the same, to the bit, as the same values stored as F32', async () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const { half, f32 } = await rounded(dtype);
      for (const scope of ['whole', 'block-local'] as const) {
        const options = { probe: 8, perDecade: 2, scope, detectors: ['node-death', 'ln-mean', 'ln-scale'] };
        const a = await readCheckpoint({ checkpoint: bytesSource(half), checkpointName: `gpt2-${dtype}.safetensors`, configText: config }, options, new CpuEngine({ precision: 'f64' }));
        const b = await readCheckpoint({ checkpoint: bytesSource(f32), checkpointName: 'gpt2-f32.safetensors', configText: config }, options, new CpuEngine({ precision: 'f64' }));
        expect(a.scope).toBe(scope);
        expect(a.directions.length, `${dtype} ${scope}`).toBeGreaterThan(0);
        expect(summary(a), `${dtype} ${scope}`).toEqual(summary(b));
      }
    }
  }, 120_000);
});
