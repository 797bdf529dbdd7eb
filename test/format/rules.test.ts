/**
 * One hand-built bad file per validation rule. Each asserts the typed error's `rule`, its
 * `tensor`, and that the message names the file, the tensor and the rule. The classification
 * of every case was cross-checked against the reference (Python `safetensors` 0.8, the Rust
 * crate): it rejects each of these files too, except the duplicate-key cases, which it
 * silently resolves by keeping the last one.
 */
import { describe, expect, it } from 'vitest';
import {
  SAFETENSORS_RULES,
  SafetensorsError,
  bytesSource,
  openSafetensors,
  type SafetensorsRule,
} from '../../src/format/safetensors.ts';
import { entry, stBytes } from './build.ts';

const FILE = 'model.safetensors';
const covered = new Set<SafetensorsRule>();

async function rejects(bytes: Uint8Array, rule: SafetensorsRule, tensor: string | null): Promise<SafetensorsError> {
  let caught: unknown;
  try {
    await openSafetensors(bytesSource(bytes), FILE);
  } catch (e) {
    caught = e;
  }
  return checkError(caught, rule, tensor);
}

function checkError(caught: unknown, rule: SafetensorsRule, tensor: string | null): SafetensorsError {
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.rule).toBe(rule);
  expect(err.tensor).toBe(tensor);
  expect(err.file).toBe(FILE);
  expect(err.message.startsWith(`${FILE}:`)).toBe(true);
  expect(err.message.endsWith(`[rule: ${rule}]`)).toBe(true);
  if (tensor !== null) expect(err.message).toContain(`tensor ${JSON.stringify(tensor)}:`);
  covered.add(rule);
  return err;
}

const F32x2 = (offsets: unknown[] = [0, 8]) => entry('F32', [2], offsets);

describe('file and header framing', () => {
  it('file-too-small: fewer than 8 bytes', async () => {
    await rejects(new Uint8Array([1, 0, 0]), 'file-too-small', null);
    await rejects(new Uint8Array(0), 'file-too-small', null);
  });

  it('header-too-large: N > 100,000,000 (and N ≥ 2^63)', async () => {
    const err = await rejects(stBytes('{}', 0, { n: 100_000_001 }), 'header-too-large', null);
    expect(err.message).toContain('100000001');
    await rejects(stBytes('{}', 0, { n: 2n ** 63n }), 'header-too-large', null);
    // exactly the limit is allowed by this rule (then fails on bounds here)
    await rejects(stBytes('{}', 0, { n: 100_000_000 }), 'header-out-of-bounds', null);
  });

  it('header-out-of-bounds: 8 + N beyond the file', async () => {
    await rejects(stBytes('{}', 0, { n: 3 }), 'header-out-of-bounds', null);
  });

  it('header-not-utf8', async () => {
    const h = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
    await rejects(stBytes(h), 'header-not-utf8', null);
    // overlong encoding of '{' is invalid UTF-8 as well
    await rejects(stBytes(new Uint8Array([0xc1, 0xbb, 0x7d])), 'header-not-utf8', null);
  });

  it('header-not-json: syntax errors, NUL padding, a BOM, trailing garbage, lone surrogates', async () => {
    await rejects(stBytes('{"a":'), 'header-not-json', null);
    await rejects(stBytes('{}\0\0\0\0\0\0'), 'header-not-json', null);
    await rejects(stBytes('\ufeff{}'), 'header-not-json', null);
    await rejects(stBytes('{} x'), 'header-not-json', null);
    await rejects(stBytes('{"\\ud800":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}', 4), 'header-not-json', null);
  });

  it('header-not-object', async () => {
    await rejects(stBytes('[]'), 'header-not-object', null);
    await rejects(stBytes('"x"      '), 'header-not-object', null);
    await rejects(stBytes('null'), 'header-not-object', null);
  });
});

describe('tensor entries', () => {
  it('malformed-tensor-entry: not an object, missing or mistyped fields, a repeated field', async () => {
    await rejects(stBytes({ a: 5 }), 'malformed-tensor-entry', 'a');
    const err = await rejects(stBytes({ 'x.w': { shape: [], data_offsets: [0, 0] } }), 'malformed-tensor-entry', 'x.w');
    expect(err.message).toContain('"dtype"');
    await rejects(stBytes({ b: { dtype: 'F32', data_offsets: [0, 0] } }), 'malformed-tensor-entry', 'b');
    await rejects(stBytes({ c: { dtype: 'F32', shape: [] } }), 'malformed-tensor-entry', 'c');
    await rejects(stBytes({ d: { dtype: 3, shape: [], data_offsets: [0, 0] } }), 'malformed-tensor-entry', 'd');
    await rejects(stBytes({ e: { dtype: 'F32', shape: 1, data_offsets: [0, 4] } }, 4), 'malformed-tensor-entry', 'e');
    await rejects(stBytes({ f: { dtype: 'F32', shape: [1], data_offsets: { begin: 0 } } }, 4), 'malformed-tensor-entry', 'f');
    await rejects(
      stBytes('{"g":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4),
      'malformed-tensor-entry',
      'g',
    );
  });

  it('extra fields in an entry are ignored, as the reference does', async () => {
    const f = await openSafetensors(bytesSource(stBytes({ a: { ...F32x2(), note: 1 } }, 8)), FILE);
    expect(f.tensor('a').shape).toEqual([2]);
  });

  it('unknown-dtype (dtype names are case-sensitive)', async () => {
    await rejects(stBytes({ w: entry('F31', [2], [0, 8]) }, 8), 'unknown-dtype', 'w');
    const err = await rejects(stBytes({ w: entry('f32', [2], [0, 8]) }, 8), 'unknown-dtype', 'w');
    expect(err.message).toContain('"f32"');
  });

  it('invalid-shape: negative, fractional, exponent-form, -0, or non-number entries', async () => {
    await rejects(stBytes({ s: entry('F32', [-2], [0, 8]) }, 8), 'invalid-shape', 's');
    await rejects(stBytes('{"s":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', 8), 'invalid-shape', 's');
    await rejects(stBytes('{"s":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}', 8), 'invalid-shape', 's');
    await rejects(stBytes('{"s":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}'), 'invalid-shape', 's');
    await rejects(stBytes({ s: entry('F32', ['2'], [0, 8]) }, 8), 'invalid-shape', 's');
    await rejects(stBytes({ s: entry('F32', [null], [0, 8]) }, 8), 'invalid-shape', 's');
  });

  it('invalid-offsets: not two non-negative integers, or begin > end', async () => {
    await rejects(stBytes({ o: F32x2([0, 8, 8]) }, 8), 'invalid-offsets', 'o');
    await rejects(stBytes({ o: F32x2([0]) }, 8), 'invalid-offsets', 'o');
    await rejects(stBytes({ o: F32x2([-1, 7]) }, 8), 'invalid-offsets', 'o');
    await rejects(stBytes('{"o":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}', 8), 'invalid-offsets', 'o');
    const err = await rejects(stBytes({ o: F32x2([8, 0]) }, 8), 'invalid-offsets', 'o');
    expect(err.message).toContain('[8, 0]');
  });

  it('size-overflow: the running product of the shape overflows even if a later dimension is 0', async () => {
    await rejects(stBytes({ big: entry('F32', [2 ** 32, 2 ** 32, 0], [0, 0]) }), 'size-overflow', 'big');
    await rejects(stBytes({ big: entry('F64', [2 ** 50, 2 ** 3], [0, 0]) }), 'size-overflow', 'big');
    // a shape entry or offset beyond 2^53 − 1 is not representable in JS numbers
    await rejects(stBytes('{"big":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}'), 'size-overflow', 'big');
    await rejects(stBytes({ big: entry('U8', [0], [2 ** 60, 2 ** 60]) }), 'size-overflow', 'big');
  });

  it('misaligned-sub-byte: packed F4/F6 element counts must fill whole bytes', async () => {
    await rejects(stBytes({ q: entry('F4', [3], [0, 2]) }, 2), 'misaligned-sub-byte', 'q');
    await rejects(stBytes({ q: entry('F6_E3M2', [2], [0, 2]) }, 2), 'misaligned-sub-byte', 'q');
    // 4 × 6 bits = 3 bytes is fine, and 4 × F4 = 2 bytes
    const f = await openSafetensors(bytesSource(stBytes({ a: entry('F6_E2M3', [4], [0, 3]), b: entry('F4', [4], [3, 5]) }, 5)), FILE);
    expect(f.tensor('a').byteLength).toBe(3);
    expect(f.tensor('b').supported).toBe(false);
  });

  it('byte-length-mismatch: shape × dtype size differs from end − begin', async () => {
    const err = await rejects(stBytes({ '0.weight': entry('F32', [3, 4], [0, 40]) }, 40), 'byte-length-mismatch', '0.weight');
    expect(err.message).toBe(
      'model.safetensors: tensor "0.weight": shape × dtype size (48 bytes) differs from end−begin (40 bytes) [rule: byte-length-mismatch]',
    );
  });
});

describe('layout of the data section', () => {
  it('offsets-not-from-zero: the first tensor by offset must begin at 0', async () => {
    await rejects(stBytes({ a: F32x2([4, 12]) }, 12), 'offsets-not-from-zero', 'a');
  });

  it('offsets-gap: bytes between two tensors belong to no tensor', async () => {
    const err = await rejects(stBytes({ b: F32x2([12, 20]), a: F32x2([0, 8]) }, 20), 'offsets-gap', 'b');
    expect(err.message).toContain('"a" ends at 8');
  });

  it('offsets-overlap: a tensor begins inside the previous one', async () => {
    await rejects(stBytes({ a: F32x2([0, 8]), b: F32x2([4, 12]) }, 12), 'offsets-overlap', 'b');
    // the same range twice is an overlap too
    await rejects(stBytes({ a: F32x2([0, 8]), b: F32x2([0, 8]) }, 8), 'offsets-overlap', 'b');
  });

  it('tensors listed out of offset order are fine (the reference sorts by offsets)', async () => {
    const f = await openSafetensors(bytesSource(stBytes({ b: F32x2([8, 16]), a: F32x2([0, 8]) }, 16)), FILE);
    expect(f.tensors.map((t) => t.name)).toEqual(['b', 'a']); // header order
  });

  it('buffer-not-fully-indexed: last end + 8 + N must equal the file size', async () => {
    const tooLong = await rejects(stBytes({ a: F32x2() }, 9), 'buffer-not-fully-indexed', 'a');
    expect(tooLong.message).toContain('1 trailing bytes');
    await rejects(stBytes({ a: F32x2() }, 7), 'buffer-not-fully-indexed', 'a');
    await rejects(stBytes('{}', 1), 'buffer-not-fully-indexed', null);
  });
});

describe('metadata and names', () => {
  it('invalid-metadata: not a map of strings, a repeated key, or __metadata__ twice', async () => {
    await rejects(stBytes({ __metadata__: { a: 1 } }), 'invalid-metadata', null);
    await rejects(stBytes({ __metadata__: ['a'] }), 'invalid-metadata', null);
    await rejects(stBytes({ __metadata__: 'x' }), 'invalid-metadata', null);
    await rejects(stBytes('{"__metadata__":{"a":"1","a":"2"}}'), 'invalid-metadata', null);
    await rejects(stBytes('{"__metadata__":{"a":"1"},"__metadata__":{"a":"1"}}'), 'invalid-metadata', null);
  });

  it('__metadata__: null means no metadata, as in the reference', async () => {
    const f = await openSafetensors(bytesSource(stBytes({ __metadata__: null })), FILE);
    expect(f.metadata).toBeNull();
  });

  it('duplicate-tensor-name: JSON.parse would silently keep the last one', async () => {
    const header =
      '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}';
    expect(Object.keys(JSON.parse(header))).toEqual(['w']);
    await rejects(stBytes(header, 16), 'duplicate-tensor-name', 'w');
    // escapes that spell the same key are the same key
    await rejects(stBytes('{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"\\u0077":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}'), 'duplicate-tensor-name', 'w');
  });
});

describe('requests the file cannot serve', () => {
  const good = () => stBytes({ a: F32x2(), u: entry('U16', [2], [8, 12]) }, 12);

  it('tensor-not-found', async () => {
    const f = await openSafetensors(bytesSource(good()), FILE);
    let caught: unknown;
    try {
      f.tensor('nope');
    } catch (e) {
      caught = e;
    }
    checkError(caught, 'tensor-not-found', 'nope');
    await expect(f.read('nope')).rejects.toMatchObject({ rule: 'tensor-not-found' });
  });

  it('unsupported-dtype: listed dtypes without a decoder are indexed but not decoded', async () => {
    const f = await openSafetensors(bytesSource(good()), FILE);
    expect(f.tensor('u')).toMatchObject({ dtype: 'U16', supported: false, elements: 2, byteLength: 4 });
    expect(Array.from(await f.readRaw('u'))).toEqual([0, 0, 0, 0]);
    let caught: unknown;
    try {
      await f.read('u');
    } catch (e) {
      caught = e;
    }
    checkError(caught, 'unsupported-dtype', 'u');
    await expect(f.readFloat64('u')).rejects.toMatchObject({ rule: 'unsupported-dtype', tensor: 'u' });
  });

  it('short-read: the source delivers fewer bytes than the header promised', async () => {
    const bytes = good();
    const inner = bytesSource(bytes);
    // a file truncated after it was opened: the size still claims the full length
    const truncated = { size: inner.size, read: (o: number, l: number) => inner.read(o, Math.min(l, bytes.length - 4 - o)) };
    const f = await openSafetensors(truncated, FILE);
    let caught: unknown;
    try {
      await f.readRaw('u');
    } catch (e) {
      caught = e;
    }
    checkError(caught, 'short-read', 'u');
  });
});

// Runs last (tests in a file run in order), so it sees every check above.
it('every rule id is exercised by a test above', () => {
  expect([...SAFETENSORS_RULES].filter((r) => !covered.has(r))).toEqual([]);
});
