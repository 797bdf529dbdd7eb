/**
 * readFloat64 in chunks (what a big checkpoint loads through) gives the values that were written,
 * for every chunk size, including chunks that split an element run at odd offsets.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { bf16BitsToNumber, f16BitsToNumber } from '../../src/format/dtype.ts';
import { entry, stBytes } from './build.ts';
import { HalfTensor } from '../../src/format/held-tensor.ts';

const n = 1001;
const f32 = Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 3 - i / 7));
const f64 = Float64Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-3 + i);
const u8 = Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
const i64 = BigInt64Array.from({ length: n }, (_, i) => BigInt(i * i - 500_000));

function file(): Uint8Array {
  const parts = [new Uint8Array(f32.buffer), new Uint8Array(f64.buffer), u8, new Uint8Array(i64.buffer)];
  const header: Record<string, object> = {};
  let at = 0;
  (['F32', 'F64', 'U8', 'I64'] as const).forEach((dtype, k) => {
    header[dtype] = entry(dtype, [n], [at, at + parts[k].byteLength]);
    at += parts[k].byteLength;
  });
  const data = new Uint8Array(at);
  let o = 0;
  for (const p of parts) { data.set(p, o); o += p.byteLength; }
  return stBytes(header, data);
}

describe('chunked f64 reads', () => {
  it('every dtype and chunk size reads the written values', async () => {
    const st = await openSafetensors(bytesSource(file()), 'chunks.safetensors');
    const want: Record<string, (i: number) => number> = { F32: (i) => f32[i], F64: (i) => f64[i], U8: (i) => u8[i], I64: (i) => Number(i64[i]) };
    for (const chunk of [1, 7, 64, 4096, 1 << 20]) {
      for (const [name, value] of Object.entries(want)) {
        const got = await st.readFloat64(name, chunk);
        expect(got.length).toBe(n);
        for (let i = 0; i < n; i++) if (got[i] !== value(i)) expect.fail(`${name} chunk ${chunk}: element ${i} is ${got[i]}, wrote ${value(i)}`);
      }
    }
  });
});

describe('chunked float32 parameter reads of 16-bit floats', () => {
  it('every F16 and BF16 bit pattern reads as its arithmetic decoding, at chunk sizes that split the words unevenly', async () => {
    // all 65536 words, once per dtype: subnormals, ±0, ±∞, NaNs included
    const words = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const bytes = new Uint8Array(words.buffer);
    const header = { F16: entry('F16', [65536], [0, bytes.byteLength]), BF16: entry('BF16', [65536], [bytes.byteLength, 2 * bytes.byteLength]) };
    const data = new Uint8Array(2 * bytes.byteLength);
    data.set(bytes, 0);
    data.set(bytes, bytes.byteLength);
    const st = await openSafetensors(bytesSource(stBytes(header, data)), 'halves.safetensors');
    const decode = { F16: f16BitsToNumber, BF16: bf16BitsToNumber };
    for (const chunk of [2, 6, 4098, 1 << 20]) {
      for (const dtype of ['F16', 'BF16'] as const) {
        const held = await st.readParameter(dtype, chunk);
        // held as the file's words; its values decode each word exactly
        expect(held).toBeInstanceOf(HalfTensor);
        expect(Array.from((held as HalfTensor).words)).toEqual(Array.from(words));
        const got = held.data;
        expect(got).toBeInstanceOf(Float32Array);
        expect(got.length).toBe(65536);
        for (let b = 0; b < 65536; b++) {
          const want = decode[dtype](b);
          if (!Object.is(got[b], want) && !(Number.isNaN(want) && Number.isNaN(got[b]))) expect.fail(`${dtype} chunk ${chunk}: word ${b} read ${got[b]}, decodes to ${want}`);
        }
      }
    }
  });
});
