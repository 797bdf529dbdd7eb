// Tensors held in their stored dtype: F16/BF16 words decoded on use through one bounded cache.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DECODED_BUDGET_BYTES, HalfTensor, decodedBytesKept, hasNonFinite, heldBytes, rearrange, setDecodedBudgetBytes,
} from '../../src/format/held-tensor.ts';
import { bf16BitsToNumber, f16BitsToNumber } from '../../src/format/dtype.ts';

afterEach(() => setDecodedBudgetBytes(DECODED_BUDGET_BYTES));

const half = (n: number, seed: number) => new HalfTensor('F16', [n], Uint16Array.from({ length: n }, (_, i) => (seed * 7919 + i * 31) & 0x3bff));

describe('HalfTensor', () => {
  it('holds the words (2 B per element) and decodes each to its arithmetic value', () => {
    const words = Uint16Array.from({ length: 65536 }, (_, i) => i);
    for (const [dtype, decode] of [['F16', f16BitsToNumber], ['BF16', bf16BitsToNumber]] as const) {
      const t = new HalfTensor(dtype, [256, 256], words);
      expect(heldBytes(t)).toBe(2 * 65536);
      const v = t.data;
      for (let w = 0; w < 65536; w++) {
        const want = decode(w);
        if (!Object.is(v[w], want) && !(Number.isNaN(want) && Number.isNaN(v[w]))) expect.fail(`${dtype} word ${w}: ${v[w]} ≠ ${want}`);
      }
    }
  });

  it('keeps decoded copies up to the budget, oldest dropped first; the latest is kept even when over it', () => {
    setDecodedBudgetBytes(0);
    expect(decodedBytesKept()).toBe(0);
    const n = 1000; // 4000 B decoded each
    setDecodedBudgetBytes(3 * 4 * n);
    const ts = [0, 1, 2, 3].map((s) => half(n, s));
    const first = ts.map((t) => t.data);
    expect(decodedBytesKept()).toBe(3 * 4 * n);
    // ts[0] was dropped when ts[3] came in: a new copy, same values; ts[3] is still the kept one
    expect(ts[3].data).toBe(first[3]);
    const again = ts[0].data;
    expect(again).not.toBe(first[0]);
    expect(Array.from(again)).toEqual(Array.from(first[0]));
    // ts[0] back in pushed ts[1] out; ts[2] is still kept
    expect(ts[2].data).toBe(first[2]);
    expect(ts[1].data).not.toBe(first[1]);
    // one tensor larger than the whole budget: kept alone, as the latest, so element-wise readers never re-decode
    const big = half(4 * n, 9);
    const b = big.data;
    expect(big.data).toBe(b);
    expect(decodedBytesKept()).toBe(16 * n);
    half(n, 5).data;
    expect(decodedBytesKept()).toBe(4 * n);
    expect(big.data).not.toBe(b);
  });

  it('hasNonFinite reads the exponent bits: the same answer as decoding every word', () => {
    for (const dtype of ['F16', 'BF16'] as const) {
      const decode = dtype === 'F16' ? f16BitsToNumber : bf16BitsToNumber;
      for (let w = 0; w < 65536; w += 1) {
        const t = new HalfTensor(dtype, [3], Uint16Array.of(0x3c00, w, 0));
        if (hasNonFinite(t) !== !Number.isFinite(decode(w))) expect.fail(`${dtype} word ${w.toString(16)}`);
      }
    }
    expect(hasNonFinite({ shape: [2], data: Float32Array.of(1, Infinity) })).toBe(true);
    expect(hasNonFinite({ shape: [2], data: Float64Array.of(1, -2) })).toBe(false);
  });

  it('rearrange moves the words of a 16-bit tensor (still held as words) and the values of the others', () => {
    const t = new HalfTensor('BF16', [2, 3], Uint16Array.of(0x3f80, 0x4000, 0x4040, 0x4080, 0x40a0, 0x40c0)); // 1..6
    const transpose = <A extends Uint16Array | Float32Array | Float64Array>(a: A, like: (n: number) => A): A => {
      const out = like(6);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) out[j * 2 + i] = a[i * 3 + j]!;
      return out;
    };
    const tt = rearrange(t, [3, 2], transpose);
    expect(tt).toBeInstanceOf(HalfTensor);
    expect(tt.shape).toEqual([3, 2]);
    expect(Array.from(tt.data)).toEqual([1, 4, 2, 5, 3, 6]);
    const f = rearrange({ shape: [2, 3], data: Float64Array.of(1, 2, 3, 4, 5, 6) }, [3, 2], transpose);
    expect(f.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
