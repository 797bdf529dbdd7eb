/**
 * The real checkpoints in fixtures/, read through `fileSource`. Expected values were read with
 * the reference implementation (Python `safetensors` 0.8 + numpy).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSource, type FileByteSource } from '../../src/format/node-source.ts';
import { openSafetensors, type ByteSource } from '../../src/format/safetensors.ts';

const dir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const open: FileByteSource[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function source(name: string): Promise<FileByteSource> {
  const s = await fileSource(dir + name);
  open.push(s);
  return s;
}

/** Wraps a source and records every read, to prove the reader reads only what it needs. */
function counting(inner: ByteSource) {
  const reads: Array<[offset: number, length: number]> = [];
  const src: ByteSource = {
    size: inner.size,
    read(offset, length) {
      reads.push([offset, length]);
      return inner.read(offset, length);
    },
  };
  return { src, reads, total: () => reads.reduce((s, [, l]) => s + l, 0) };
}

const sum = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};

describe('mnist-mlp-dfdx.safetensors', () => {
  it('lists the MLP tensors in header order with shapes, offsets and 472,042 parameters', async () => {
    const f = await openSafetensors(await source('mnist-mlp-dfdx.safetensors'), 'mnist-mlp-dfdx.safetensors');
    expect(f.byteSize).toBe(1888776);
    expect(f.headerLength).toBe(600);
    expect(f.metadata).toBeNull();
    expect(f.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['0.0.bias', 'F32', [512]],
      ['0.0.weight', 'F32', [512, 784]],
      ['1.0.bias', 'F32', [128]],
      ['1.0.weight', 'F32', [128, 512]],
      ['2.0.bias', 'F32', [32]],
      ['2.0.weight', 'F32', [32, 128]],
      ['3.bias', 'F32', [10]],
      ['3.weight', 'F32', [10, 32]],
    ]);
    expect(f.tensor('0.0.weight')).toMatchObject({ begin: 2048, end: 1607680, byteLength: 1605632, elements: 401408, supported: true });
    expect(f.tensors.reduce((s, t) => s + t.elements, 0)).toBe(472042);
  });

  it('decodes exact float32 values', async () => {
    const f = await openSafetensors(await source('mnist-mlp-dfdx.safetensors'), 'mnist-mlp-dfdx.safetensors');
    const w = await f.read('0.0.weight');
    expect(w.dtype).toBe('F32');
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(w.data.length).toBe(512 * 784);
    expect(w.data[0]).toBe(0.021532800048589706);
    expect(w.data[1]).toBe(0.01650809496641159);
    expect(w.data[w.data.length - 1]).toBe(0.028415333479642868);
    const b = await f.readFloat64('3.bias');
    expect(b[0]).toBe(-0.9689933061599731);
    expect(b[9]).toBe(0.47600752115249634);
    expect(sum(await f.readFloat64('0.0.weight'))).toBeCloseTo(-10507.314307347897, 6);
  });

  it('reads only the length, the header and the requested tensor through fileSource', async () => {
    const { src, reads, total } = counting(await source('mnist-mlp-dfdx.safetensors'));
    const f = await openSafetensors(src, 'mnist-mlp-dfdx.safetensors');
    expect(reads).toEqual([[0, 8], [8, 600]]);
    const bias = await f.read('0.0.bias');
    expect(bias.data[0]).toBe(-0.5798527598381042);
    expect(reads).toEqual([[0, 8], [8, 600], [8 + 600 + 0, 2048]]);
    expect(total()).toBe(8 + 600 + 2048); // of a 1.9 MB file
    f.tensor('0.0.weight'); // metadata lookups read nothing
    expect(reads.length).toBe(3);
  });
});

describe('mnist-convnet-tinygrad.safetensors', () => {
  it('has I64 num_batches_tracked (decoded as BigInt64Array) and 88,044 parameters', async () => {
    const f = await openSafetensors(await source('mnist-convnet-tinygrad.safetensors'), 'mnist-convnet-tinygrad.safetensors');
    expect(f.tensors.reduce((s, t) => s + t.elements, 0)).toBe(88044);
    expect(f.tensor('layers.4.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [1], byteLength: 8 });
    const n = await f.read('layers.4.num_batches_tracked');
    if (n.dtype !== 'I64') throw new Error('expected I64');
    expect(n.data).toBeInstanceOf(BigInt64Array);
    expect(n.data[0]).toBe(350n); // narrowed: data is a BigInt64Array
    expect(Array.from(await f.readFloat64('layers.10.num_batches_tracked'))).toEqual([350]);
    const w = await f.read('layers.0.weight');
    expect(w.shape).toEqual([32, 1, 5, 5]);
    expect(w.data[0]).toBe(-0.007846183143556118);
    expect(Array.from(await f.readFloat64('layers.4.running_var')).slice(0, 2)).toEqual([1177.5010986328125, 697.0484008789062]);
  });
});

describe('mnist-test-1000.safetensors', () => {
  it('has U8 images [1000,784] and labels, with metadata', async () => {
    const f = await openSafetensors(await source('mnist-test-1000.safetensors'), 'mnist-test-1000.safetensors');
    expect(f.metadata).toEqual({
      source: 'MNIST test set, first 1000 images',
      layout: 'images [N,784] row-major 28x28 uint8 pixels 0-255; labels [N] uint8',
    });
    expect(f.tensor('images')).toMatchObject({ dtype: 'U8', shape: [1000, 784], begin: 0, end: 784000 });
    const labels = await f.read('labels');
    if (labels.dtype !== 'U8') throw new Error('expected U8');
    expect(labels.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(labels.data.slice(0, 3))).toEqual([7, 2, 1]);
    expect(labels.data[999]).toBe(9);
    expect(sum(labels.data)).toBe(4327);
    const images = await f.readFloat64('images');
    expect(images.length).toBe(784000);
    expect(sum(images)).toBe(24443134);
  });
});

describe('every fixture', () => {
  const files = readdirSync(dir).filter((n) => n.endsWith('.safetensors'));
  it.each(files)('%s opens and every tensor decodes to f64', async (name) => {
    const f = await openSafetensors(await source(name), name);
    expect(f.tensors.length).toBeGreaterThan(0);
    for (const t of f.tensors) {
      const d = await f.readFloat64(t.name);
      expect(d.length).toBe(t.elements);
      expect(d.every(Number.isFinite)).toBe(true);
    }
  });

  it('metadata of the planted-structure checkpoints', async () => {
    const f = await openSafetensors(await source('ts_relu2_muon_s1.safetensors'), 'ts_relu2_muon_s1.safetensors');
    expect(f.metadata).toMatchObject({ activation: 'relu2', optimizer: 'muon' });
    const g = await openSafetensors(await source('gpt2_modadd23_s1.safetensors'), 'gpt2_modadd23_s1.safetensors');
    expect(g.metadata).toEqual({ format: 'pt' });
    expect(g.tensor('transformer.wte.weight').shape).toEqual([24, 32]);
  });
});

describe('fileSource', () => {
  it('reports the size, reads positionally, and returns short at end of file', async () => {
    const s = await source('rrr_M3H3N5r1_s1.safetensors');
    expect(s.size).toBe(352);
    const head = await s.read(0, 8);
    expect(new DataView(head.buffer).getBigUint64(0, true)).toBe(248n);
    expect((await s.read(340, 100)).length).toBe(12);
    expect((await s.read(352, 8)).length).toBe(0);
  });
});
