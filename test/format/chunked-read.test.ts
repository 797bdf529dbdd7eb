/**
 * readFloat64 in chunks (what a big checkpoint loads through) gives the values that were written,
 * for every chunk size, including chunks that split an element run at odd offsets.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { entry, stBytes } from './build.ts';

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
