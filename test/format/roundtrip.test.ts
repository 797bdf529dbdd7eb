/**
 * Writer → reader round trips with exact values, and the writer's layout against the
 * reference's (test vectors from the reference crate's own serialization tests; the
 * multi-dtype ordering was also checked byte for byte against Python `safetensors` 0.8).
 */
import { describe, expect, it } from 'vitest';
import { numberToBF16Bits, numberToF16Bits, type DType } from '../../src/format/dtype.ts';
import { blobSource, bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import {
  SafetensorsWriteError,
  compareCodePoints,
  writeSafetensors,
  type WriterTensor,
  type WriterValues,
} from '../../src/format/writer.ts';

const text = (u8: Uint8Array) => new TextDecoder().decode(u8);
/** Elements of any decoded array (Array.from cannot infer from a union of typed arrays). */
const list = (data: ArrayLike<unknown>): unknown[] => Array.from(data);
const headerOf = (file: Uint8Array) => {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return text(file.subarray(8, 8 + n));
};

async function roundTrip(tensors: WriterTensor[], metadata?: Record<string, string>) {
  return openSafetensors(bytesSource(writeSafetensors(tensors, metadata)), 'rt.safetensors');
}

describe('round trip of every supported dtype, exact values', () => {
  const f16s = [0, -0, 1, -2, 65504, -65504, 2 ** -24, -(2 ** -24), 2 ** -14, 0.333251953125, Infinity, -Infinity, NaN];
  const bf16s = [0, -0, 1, -1, 3.140625, 2 ** -133, 2 ** -126, 255 * 2 ** 120, Infinity, -Infinity, NaN];
  const f32s = [0, -0, 1.5, Math.fround(Math.PI), 3.4028234663852886e38, 1.401298464324817e-45, -Infinity, NaN];
  const f64s = [0, -0, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300, Infinity, NaN];
  const cases: Array<{ dtype: DType; data: WriterValues; want: ArrayLike<unknown> }> = [
    { dtype: 'F64', data: f64s, want: Float64Array.from(f64s) },
    { dtype: 'F32', data: f32s, want: Float32Array.from(f32s) },
    { dtype: 'F16', data: f16s, want: Float32Array.from(f16s) },
    { dtype: 'BF16', data: bf16s, want: Float32Array.from(bf16s) },
    { dtype: 'I64', data: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 350n], want: BigInt64Array.from([0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 350n]) },
    { dtype: 'I32', data: [0, 1, -1, 2147483647, -2147483648], want: Int32Array.from([0, 1, -1, 2147483647, -2147483648]) },
    { dtype: 'I16', data: [0, 1, -1, 32767, -32768], want: Int16Array.from([0, 1, -1, 32767, -32768]) },
    { dtype: 'I8', data: [0, 1, -1, 127, -128], want: Int8Array.from([0, 1, -1, 127, -128]) },
    { dtype: 'U8', data: [0, 1, 128, 255], want: Uint8Array.from([0, 1, 128, 255]) },
    { dtype: 'BOOL', data: [true, false, 1, 0], want: Uint8Array.from([1, 0, 1, 0]) },
  ];

  it.each(cases)('$dtype', async ({ dtype, data, want }) => {
    const f = await roundTrip([{ name: 't', dtype, shape: [data.length], data }]);
    const got = await f.read('t');
    expect(got.dtype).toBe(dtype);
    expect(got.shape).toEqual([data.length]);
    expect(got.data.constructor).toBe(want.constructor);
    // Object.is per element: distinguishes -0 from 0 and matches NaN
    expect(list(got.data).map((v, i) => Object.is(v, want[i]))).not.toContain(false);
    // readFloat64 of the same tensor
    const f64 = await f.readFloat64('t');
    expect(f64).toBeInstanceOf(Float64Array);
    Array.from(want).forEach((v, i) => {
      expect(Object.is(f64[i], typeof v === 'bigint' ? Number(v) : Number(v))).toBe(true);
    });
  });

  it('writes F16/BF16 with round-to-nearest-even', async () => {
    const xs = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519.99, 65520, 1 + 2 ** -8, Math.PI];
    const f = await roundTrip([
      { name: 'h', dtype: 'F16', shape: [xs.length], data: xs },
      { name: 'b', dtype: 'BF16', shape: [xs.length], data: xs },
    ]);
    const view = (u8: Uint8Array) => Array.from(new Uint16Array(u8.slice().buffer));
    expect(view(await f.readRaw('h'))).toEqual(xs.map(numberToF16Bits));
    expect(view(await f.readRaw('b'))).toEqual(xs.map(numberToBF16Bits));
    expect(list((await f.read('h')).data)).toEqual([1, 1 + 2 ** -9, 65504, Infinity, 1 + 2 ** -8, 3.140625]);
  });

  it('scalars, empty tensors, multi-dimensional shapes, and metadata', async () => {
    const f = await roundTrip(
      [
        { name: 'scalar', dtype: 'F64', shape: [], data: [42] },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: [] },
        { name: 'm', dtype: 'I32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      ],
      { framework: 'pt', note: 'é ✓ "quoted"\n' },
    );
    expect(f.metadata).toEqual({ framework: 'pt', note: 'é ✓ "quoted"\n' });
    expect(f.tensor('scalar')).toMatchObject({ shape: [], elements: 1, byteLength: 8 });
    expect(f.tensor('empty')).toMatchObject({ shape: [0, 3], elements: 0, byteLength: 0 });
    expect(list((await f.read('scalar')).data)).toEqual([42]);
    expect((await f.read('empty')).data.length).toBe(0);
    expect(list((await f.read('m')).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('unsupported dtypes are written from encoded bytes and read back raw', async () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const f = await roundTrip([{ name: 'u', dtype: 'U64', shape: [1], bytes }, { name: 'q', dtype: 'F4', shape: [2], bytes: Uint8Array.from([0x21]) }]);
    expect(f.tensor('u').supported).toBe(false);
    expect(Array.from(await f.readRaw('u'))).toEqual(Array.from(bytes));
    expect(Array.from(await f.readRaw('q'))).toEqual([0x21]);
  });

  it('decodes tensors at unaligned offsets (copying before viewing as typed arrays)', async () => {
    // U8 [3] first puts the F32 and F64 data at odd offsets... except the writer sorts by dtype,
    // so build the header by hand: a 3-byte U8 tensor, then F32 at offset 3 and F64 at 7.
    const header = JSON.stringify({
      a: { dtype: 'U8', shape: [3], data_offsets: [0, 3] },
      b: { dtype: 'F32', shape: [1], data_offsets: [3, 7] },
      c: { dtype: 'F64', shape: [1], data_offsets: [7, 15] },
      d: { dtype: 'I64', shape: [1], data_offsets: [15, 23] },
    }).padEnd(184, ' ');
    const data = new Uint8Array(23);
    const dv = new DataView(data.buffer);
    dv.setFloat32(3, -1.25, true);
    dv.setFloat64(7, Math.E, true);
    dv.setBigInt64(15, -5n, true);
    const file = new Uint8Array(8 + header.length + 23);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(new TextEncoder().encode(header), 8);
    file.set(data, 8 + header.length);
    // a source whose reads are views at odd offsets into one shared buffer
    const source = { size: file.length, read: async (o: number, l: number) => new Uint8Array(file.buffer, o, l) };
    const f = await openSafetensors(source, 'unaligned.safetensors');
    expect(list((await f.read('b')).data)).toEqual([-1.25]);
    expect(list((await f.read('c')).data)).toEqual([Math.E]);
    expect(list((await f.read('d')).data)).toEqual([-5n]);
  });

  it('reads through blobSource', async () => {
    const file = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [2], data: [1, 2] }]);
    const f = await openSafetensors(blobSource(new Blob([file])), 'blob.safetensors');
    expect(Array.from(await f.readFloat64('w'))).toEqual([1, 2]);
  });

  it('a read longer than a slice is the same bytes, slice by slice, at any slice size', async () => {
    const values = Float32Array.from({ length: 1001 }, (_, i) => Math.fround(Math.sin(i) * 100));
    const file = writeSafetensors([{ name: 'a', dtype: 'U8', shape: [3], data: [7, 8, 9] }, { name: 'w', dtype: 'F32', shape: [1001], data: Array.from(values) }]);
    for (const slice of [1, 5, 64, 4003, 4004, 4005]) {
      const f = await openSafetensors(blobSource(new Blob([file]), slice), 'blob.safetensors');
      expect(list((await f.read('w')).data), `slice ${slice}`).toEqual(Array.from(values));
      expect(list((await f.read('a')).data)).toEqual([7, 8, 9]);
    }
  });

  it('a file cut short reads short in slices too (named by the reader, never zeros)', async () => {
    const file = writeSafetensors([{ name: 'w', dtype: 'F32', shape: [1000], data: Array.from({ length: 1000 }, (_, i) => i) }]);
    const src = blobSource(new Blob([file]), 64);
    // a source that claims the whole file, over a blob that lost its last 10 bytes
    const cut = blobSource(new Blob([file.subarray(0, file.length - 10)]), 64);
    expect((await src.read(8, 4000)).byteLength).toBe(4000);
    expect((await cut.read(file.length - 4000, 4000)).byteLength).toBe(3990);
    await expect(openSafetensors({ size: file.length, read: cut.read }, 'cut.safetensors').then((f) => f.read('w'))).rejects.toThrow(/\[rule: short-read\]/);
  });
});

describe('writer layout matches the reference', () => {
  it('a single F32 tensor (reference test_serialization)', () => {
    const file = writeSafetensors([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5] }]);
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64); // already a multiple of 8: no padding
    expect(Array.from(file.subarray(0, 8))).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(headerOf(file)).toBe(json);
    expect(Array.from(new Float32Array(file.slice(72).buffer))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('pads with spaces to 8 bytes (reference test_serialization_forced_alignement)', () => {
    const file = writeSafetensors([{ name: 'attn0', dtype: 'F32', shape: [1, 1, 2, 3], data: [0, 1, 2, 3, 4, 5] }]);
    expect(headerOf(file)).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
    expect(file.length).toBe(8 + 72 + 24);
  });

  it('empty files, with and without metadata (reference test_empty)', () => {
    expect(Array.from(writeSafetensors([]))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
    const withMeta = writeSafetensors([], { framework: 'pt' });
    expect(withMeta[0]).toBe(40);
    expect(headerOf(withMeta)).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('orders tensors by descending dtype order, then by name in code point order', () => {
    const t = (name: string, dtype: DType, n = 1): WriterTensor =>
      dtype === 'BOOL' ? { name, dtype, shape: [n], data: [true] } : dtype === 'I64' ? { name, dtype, shape: [n], data: [1n] } : { name, dtype, shape: [n], data: [1] };
    const file = writeSafetensors([t('b', 'U8'), t('a', 'BOOL'), t('z', 'F32'), t('é', 'F32'), t('Z', 'F32'), t('x', 'I64'), t('\u{1F600}', 'F16'), t('\uFFFF', 'F16')]);
    const header = JSON.parse(headerOf(file)) as Record<string, { data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['x', 'Z', 'z', 'é', '\uFFFF', '\u{1F600}', 'b', 'a']);
    // U+FFFF sorts before U+1F600 by code point (UTF-16 order would put the surrogate pair first)
    expect(compareCodePoints('\uFFFF', '\u{1F600}')).toBe(-1);
    expect('\uFFFF' < '\u{1F600}').toBe(false);
    expect(header['x']!.data_offsets).toEqual([0, 8]);
    expect(header['a']!.data_offsets).toEqual([8 + 12 + 4 + 1, 8 + 12 + 4 + 2]);
  });
});

describe('writer refuses what it cannot write faithfully', () => {
  const bad: Array<[string, WriterTensor[]]> = [
    ['duplicate names', [{ name: 'a', dtype: 'F32', shape: [1], data: [1] }, { name: 'a', dtype: 'F32', shape: [1], data: [1] }]],
    ['reserved name', [{ name: '__metadata__', dtype: 'F32', shape: [1], data: [1] }]],
    ['length mismatch', [{ name: 'a', dtype: 'F32', shape: [2], data: [1] }]],
    ['bytes length mismatch', [{ name: 'a', dtype: 'U16', shape: [2], bytes: new Uint8Array(3) }]],
    ['out of range U8', [{ name: 'a', dtype: 'U8', shape: [1], data: [256] }]],
    ['fractional I32', [{ name: 'a', dtype: 'I32', shape: [1], data: [1.5] }]],
    ['I64 out of range', [{ name: 'a', dtype: 'I64', shape: [1], data: [2n ** 63n] }]],
    ['BOOL 2', [{ name: 'a', dtype: 'BOOL', shape: [1], data: [2] }]],
    ['bigint into F32', [{ name: 'a', dtype: 'F32', shape: [1], data: [1n] }]],
    ['unsupported from values', [{ name: 'a', dtype: 'U16', shape: [1], data: [1] }]],
    ['misaligned F4', [{ name: 'a', dtype: 'F4', shape: [3], bytes: new Uint8Array(2) }]],
    ['negative shape', [{ name: 'a', dtype: 'F32', shape: [-1], data: [] }]],
    ['unknown dtype', [{ name: 'a', dtype: 'X' as DType, shape: [1], data: [1] }]],
  ];
  it.each(bad)('%s', (_, tensors) => {
    expect(() => writeSafetensors(tensors)).toThrow(SafetensorsWriteError);
    try {
      writeSafetensors(tensors);
    } catch (e) {
      expect((e as SafetensorsWriteError).tensor).toBe(tensors[tensors.length - 1]!.name);
      expect((e as Error).message).toContain('tensor "');
    }
  });

  it('non-string metadata values', () => {
    expect(() => writeSafetensors([], { a: 1 as unknown as string })).toThrow(SafetensorsWriteError);
  });
});
