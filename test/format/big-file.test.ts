/**
 * A checkpoint larger than 2 GiB (sparse: ftruncate, no real bytes on disk) opens by its header
 * alone, reads one small layer with bounded memory, and a read whose working set will not fit
 * stops before it starts, saying how much it would need.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, ftruncateSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../../src/format/node-source.ts';
import { openSafetensors, type ByteSource } from '../../src/format/safetensors.ts';
import { tensorTable } from '../../src/model/inspect.ts';

const dir = mkdtempSync(join(tmpdir(), 'deadscope-big-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 33_000; // 33000² f32 = 4.06 GiB: over the 4 GiB working set even held as float32, on any engine
const small = Float32Array.from({ length: 8 }, (_, i) => (i - 3.5) / 4);

/** The tensors of an F32 MLP 2 → 4 → W → W → 1. */
const wideMlp = (W: number): Array<[string, number[]]> => [['0.weight', [4, 2]], ['0.bias', [4]], ['2.weight', [W, 4]], ['2.bias', [W]], ['4.weight', [W, W]], ['4.bias', [W]], ['6.weight', [1, W]], ['6.bias', [1]]];

/**
 * A sparse F32 safetensors file (ftruncate: holes read as zeros) of `tensors`, in order, with only the
 * `marks` (flat element index over the data section, value) written. Returns its size.
 */
function sparseFile(path: string, tensors: Array<[string, number[]]>, marks: Array<[number, number]>): number {
  const header: Record<string, unknown> = {};
  let at = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  const text = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  const dataStart = 8 + text.length;
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([len, text]));
  for (const [i, x] of marks) writeSync(fd, Buffer.from(Float32Array.of(x).buffer), 0, 4, dataStart + 4 * i);
  ftruncateSync(fd, dataStart + at);
  closeSync(fd);
  return dataStart + at;
}

/**
 * An MLP 2 → 4 → W → W → 1 (W = H: the H×H weight makes the file 4.06 GiB) with only `0.weight`
 * written (`small`); the rest of the file is a hole. Returns the file's size.
 */
const sparseCheckpoint = (path: string, W = H): number => sparseFile(path, wideMlp(W), Array.from(small, (x, i) => [i, x]));

describe('a sparse checkpoint over 2 GiB', () => {
  const path = join(dir, 'big.safetensors');
  const size = sparseCheckpoint(path);

  it('opens by its header and reads one small layer with bounded memory', async () => {
    expect(size).toBeGreaterThan(2 * 2 ** 30);
    expect(statSync(path).blocks * 512).toBeLessThan(1 << 20); // sparse: nothing but the header on disk
    const before = process.memoryUsage();
    const started = Date.now();
    const src = await fileSource(path);
    try {
      const file = await openSafetensors(src, 'big.safetensors');
      expect(file.byteSize).toBe(size);
      expect(file.tensor('4.weight').byteLength).toBe(4 * H * H);
      // as a read holds parameters: float32, the bytes as stored
      const w = (await file.readParameter('0.weight')).data;
      expect(w).toBeInstanceOf(Float32Array);
      expect(Array.from(w)).toEqual(Array.from(small));
      // a layer from the unwritten (sparse) part of the file: H zeros, 132 KB
      const b = (await file.readParameter('2.bias')).data;
      expect(b.length).toBe(H);
      expect(b.every((x) => x === 0)).toBe(true);
    } finally {
      await src.close();
    }
    const after = process.memoryUsage();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 << 20);
    expect(after.rss - before.rss).toBeLessThan(128 << 20);
  });

  it('a read that will not fit says so before it starts, with the number', () => {
    const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin, 'read', path, '--backend', 'cpu', '--activation', 'relu'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // the parameters held as float32 alone: 4 bytes × (33000² + …) ≈ 4.06 GiB
    const gib = Number(/needs about ([\d.]+) GiB/.exec(lines[0])?.[1]);
    expect(gib).toBeGreaterThanOrEqual(Math.floor((4 * H * H) / 2 ** 30 * 10) / 10);
    expect(lines[0]).toMatch(/more than the 4\.0 GiB a read may use/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('a layer whose parameters fit but whose live-probe directions do not', () => {
  it('is refused before the read starts, with the parts of the number', () => {
    // 2 → 4 → W → W → 1, W = 16000: the W × W weight is 0.95 GiB as float32, and each live-probe direction
    // over it is f64 (8 B × W²), drawn one a call and split per tensor beside the draw: 2 × 8 × W² = 3.8 GiB
    const W = 16_000;
    const path = join(dir, 'wide.safetensors');
    const tensors = wideMlp(W);
    sparseCheckpoint(path, W);
    const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin, 'read', path, '--backend', 'cpu', '--activation', 'relu', '--probe', '16'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    rmSync(path);
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const gib = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);
    const params = 4 * tensors.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);
    expect(lines[0]).toContain(`parameters ${gib(params)};`);
    expect(lines[0]).toContain(`live-probe directions over the largest tensor, f64, ${gib(2 * 8 * W * W)})`);
    expect(lines[0]).toMatch(/more than the 4\.0 GiB a read may use: the parameters and the live-probe directions alone need [\d.]+ GiB: this network is too large to read in one process$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('a tensor of 2 GiB or more', () => {
  // Node's FileHandle.read takes a 32-bit length: one call for the whole tensor aborted the process
  // (native assertion, exit 134) when a 2.25 GiB checkpoint's 24000 × 24000 layer was loaded
  it('reads whole from disk: every byte where it was written', async () => {
    const path = join(dir, 'one-big-tensor.safetensors');
    const elements = 2 ** 29 + 3; // f32: 2 GiB + 12 bytes
    // four marked elements: first, either side of the 2^30-byte boundary, last; the rest sparse zeros
    const marks: Array<[number, number]> = [[0, 1.5], [2 ** 28 - 1, -2.25], [2 ** 28, 3.75], [elements - 1, -4.5]];
    sparseFile(path, [['w', [elements]]], marks);
    const src = await fileSource(path);
    try {
      const file = await openSafetensors(src, 'one-big-tensor.safetensors');
      const raw = await file.readRaw('w');
      expect(raw.byteLength).toBe(4 * elements);
      const f = new Float32Array(raw.buffer, raw.byteOffset, elements);
      for (const [i, x] of marks) expect(f[i], `element ${i}`).toBe(x);
      expect(f[2 ** 28 + 1]).toBe(0);
    } finally {
      await src.close();
      rmSync(path);
    }
  }, 60_000);
});

describe('the tensor table of a big tensor', () => {
  it('has the values written, computed chunk by chunk: no full-size copy is ever held', async () => {
    const path = join(dir, 'table.safetensors');
    const elements = 2 ** 25; // F32: 128 MiB; as one f64 copy, 256 MiB
    const marks: Array<[number, number]> = [[0, -3.25], [5_000_000, 7.5], [2 ** 24, Number.NaN], [elements - 2, Number.POSITIVE_INFINITY], [elements - 1, 0.125]];
    sparseFile(path, [['w', [2 ** 13, 2 ** 12]]], marks);
    const src = await fileSource(path);
    // the array buffers alive at every read the table makes (each chunk's read comes after the last is used)
    let most = 0;
    const base = process.memoryUsage().arrayBuffers;
    const watched: ByteSource = { size: src.size, read: (o, l) => { most = Math.max(most, process.memoryUsage().arrayBuffers - base); return src.read(o, l); } };
    try {
      const [row] = await tensorTable(await openSafetensors(watched, 'table.safetensors'));
      expect(row).toMatchObject({ name: 'w', params: elements, min: -3.25, max: 7.5, nan: 1, inf: 1 });
      expect(row.mean).toBe((-3.25 + 7.5 + 0.125) / (elements - 2));
    } finally {
      await src.close();
      rmSync(path);
    }
    expect(most).toBeLessThan(96 << 20);
  });
});

describe('a big probe inputs file', () => {
  // 2·10^8 samples × 8 features of F32: a 6.4 GB sparse file; every row was read (12.7 GB of f64, 100 s)
  // before the working-set check or the input cap applied
  const N = 200_000_000;
  const path = join(dir, 'many-inputs.safetensors');
  // sample 16 (past a cap of 16) holds a NaN
  sparseFile(path, [['inputs', [N, 8]]], [[16 * 8, Number.NaN]]);
  const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
  const ckpt = new URL('../../fixtures/ts_relu_adamw_s1.safetensors', import.meta.url).pathname;
  const read = (...extra: string[]) => spawnSync(process.execPath, [bin, 'read', ckpt, '--inputs', path, '--backend', 'cpu', '--detectors', 'inactive', ...extra], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });

  it('with an input cap, only the capped rows are read', () => {
    const started = Date.now();
    const r = read('--input-cap', '16');
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.probe).toMatchObject({ count: 16, source: 'given', description: `${path}:inputs (first 16 of ${N}: inputCap 16)` });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('without one, refused from the header before any row is read', () => {
    const started = Date.now();
    const r = read();
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`this read needs about [\\d.]+ GiB of memory \\(${N} probe inputs`));
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a NaN in the probe rows is named; one past the cap is never read', () => {
    expect(read('--input-cap', '17').stderr).toMatch(/many-inputs\.safetensors: tensor "inputs" holds NaN or Inf values \(sample 16\)/);
    expect(read('--input-cap', '16').status).toBe(0);
  });
});
