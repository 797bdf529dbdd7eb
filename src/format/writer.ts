/**
 * Safetensors writer, laid out exactly as the reference (`huggingface/safetensors`, Rust,
 * `serialize`) lays out a file, so files we export read back identically in Python and Rust:
 *
 * - tensors sorted by dtype in descending reference enum order (U64, I64, F64, C64, F32, …,
 *   BOOL), then by name (code point order, as Rust compares strings), and stored contiguously
 *   in that order from offset 0;
 * - header JSON compact, `__metadata__` first (keys sorted, for a deterministic file; the
 *   reference writes a hash map's order), then each tensor as
 *   `{"dtype":…,"shape":[…],"data_offsets":[b,e]}`;
 * - header padded with spaces to a multiple of 8 bytes, so the data section is 8-aligned.
 *
 * Values are converted to the dtype: floats round to nearest even (F32 via `Math.fround`,
 * F16/BF16 straight from the double); integers must be exact and in range, else we throw.
 * Pure module: no DOM, no Node.
 */

import { DTYPES, isDType, numberToBF16Bits, numberToF16Bits, type DType } from './dtype.ts';
import { MAX_HEADER_LENGTH } from './safetensors.ts';

/** One value per element: numbers (any dtype), bigints (I64), booleans or 0/1 (BOOL). */
export type WriterValues = ArrayLike<number | bigint | boolean>;

/**
 * A tensor to write: `data` (values, one per element, row-major) for the supported dtypes, or
 * `bytes` (already little-endian encoded, any dtype including the unsupported ones).
 */
export type WriterTensor =
  | { name: string; dtype: DType; shape: number[]; data: WriterValues; bytes?: undefined }
  | { name: string; dtype: DType; shape: number[]; bytes: Uint8Array; data?: undefined };

/** A tensor list or metadata the writer cannot write; names the tensor when there is one. */
export class SafetensorsWriteError extends Error {
  readonly tensor: string | null;
  constructor(tensor: string | null, detail: string) {
    super(tensor === null ? detail : `tensor ${JSON.stringify(tensor)}: ${detail}`);
    this.name = 'SafetensorsWriteError';
    this.tensor = tensor;
  }
}

const INT_RANGES: Partial<Record<DType, [number, number]>> = {
  U8: [0, 255],
  I8: [-128, 127],
  I16: [-32768, 32767],
  U16: [0, 65535],
  I32: [-2147483648, 2147483647],
  U32: [0, 4294967295],
};

/** Rust's `str` ordering is byte-wise UTF-8, which is code point order (not UTF-16 order). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function elementsOf(t: WriterTensor): number {
  let n = 1;
  for (const [i, d] of t.shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsWriteError(t.name, `shape[${i}] = ${d} is not a non-negative integer`);
    }
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) throw new SafetensorsWriteError(t.name, 'element count exceeds 2^53 − 1');
  }
  return n;
}

function toNumber(t: WriterTensor, v: number | bigint | boolean, i: number): number {
  if (typeof v === 'number') return v;
  throw new SafetensorsWriteError(t.name, `element ${i} is a ${typeof v}, expected a number for ${t.dtype}`);
}

/** Encode `data` into `out` (little-endian). */
function encode(t: WriterTensor & { data: WriterValues }, n: number, out: DataView): void {
  const data = t.data;
  const dtype = t.dtype;
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < n; i++) out.setFloat64(8 * i, toNumber(t, data[i]!, i), true);
      return;
    case 'F32':
      for (let i = 0; i < n; i++) out.setFloat32(4 * i, toNumber(t, data[i]!, i), true);
      return;
    case 'F16':
      for (let i = 0; i < n; i++) out.setUint16(2 * i, numberToF16Bits(toNumber(t, data[i]!, i)), true);
      return;
    case 'BF16':
      for (let i = 0; i < n; i++) out.setUint16(2 * i, numberToBF16Bits(toNumber(t, data[i]!, i)), true);
      return;
    case 'BOOL':
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        if (v === true || v === 1) out.setUint8(i, 1);
        else if (v === false || v === 0) out.setUint8(i, 0);
        else throw new SafetensorsWriteError(t.name, `element ${i} = ${String(v)} is not a boolean or 0/1`);
      }
      return;
    case 'I64':
      for (let i = 0; i < n; i++) {
        const v = data[i]!;
        let b: bigint;
        if (typeof v === 'bigint') b = v;
        else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
        else throw new SafetensorsWriteError(t.name, `element ${i} = ${String(v)} is not an integer`);
        if (b < -(2n ** 63n) || b >= 2n ** 63n) {
          throw new SafetensorsWriteError(t.name, `element ${i} = ${b} is out of range for I64`);
        }
        out.setBigInt64(8 * i, b, true);
      }
      return;
    case 'U8':
    case 'I8':
    case 'I16':
    case 'I32': {
      const [lo, hi] = INT_RANGES[dtype]!;
      const size = DTYPES[dtype].byteSize;
      for (let i = 0; i < n; i++) {
        const v = toNumber(t, data[i]!, i);
        if (!Number.isInteger(v) || v < lo || v > hi) {
          throw new SafetensorsWriteError(t.name, `element ${i} = ${v} is not an integer in [${lo}, ${hi}] for ${dtype}`);
        }
        if (size === 1) out.setUint8(i, v & 0xff);
        else if (size === 2) out.setInt16(2 * i, v, true);
        else out.setInt32(4 * i, v, true);
      }
      return;
    }
    default:
      throw new SafetensorsWriteError(t.name, `dtype ${dtype} cannot be written from values; pass its encoded bytes`);
  }
}

/** Serialize tensors (and optional string metadata) into a complete safetensors file. */
export function writeSafetensors(tensors: WriterTensor[], metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const names = new Set<string>();
  const prepared = tensors.map((t) => {
    if (typeof t.name !== 'string') throw new SafetensorsWriteError(null, 'tensor name must be a string');
    if (t.name === '__metadata__') throw new SafetensorsWriteError(t.name, 'name is reserved for metadata');
    if (names.has(t.name)) throw new SafetensorsWriteError(t.name, 'name appears twice');
    names.add(t.name);
    if (!isDType(t.dtype)) throw new SafetensorsWriteError(t.name, `unknown dtype ${JSON.stringify(t.dtype)}`);
    const elements = elementsOf(t);
    const bits = BigInt(elements) * BigInt(DTYPES[t.dtype].bits);
    if (bits % 8n !== 0n) {
      throw new SafetensorsWriteError(t.name, `${elements} elements of ${t.dtype} are not a whole number of bytes`);
    }
    const byteLength = Number(bits / 8n);
    if (t.bytes !== undefined) {
      if (t.bytes.byteLength !== byteLength) {
        throw new SafetensorsWriteError(t.name, `bytes has ${t.bytes.byteLength} bytes, shape × dtype size is ${byteLength}`);
      }
    } else if (t.data === undefined || t.data.length !== elements) {
      throw new SafetensorsWriteError(t.name, `data has ${t.data?.length ?? 'no'} elements, shape needs ${elements}`);
    }
    return { t, elements, byteLength };
  });

  prepared.sort(
    (a, b) => DTYPES[b.t.dtype].order - DTYPES[a.t.dtype].order || compareCodePoints(a.t.name, b.t.name),
  );

  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareCodePoints);
    const body = keys.map((k) => {
      const v = metadata[k];
      if (typeof v !== 'string') throw new SafetensorsWriteError(null, `metadata value for ${JSON.stringify(k)} is not a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${body.join(',')}}`);
  }
  let offset = 0;
  for (const p of prepared) {
    const begin = offset;
    offset += p.byteLength;
    parts.push(
      `${JSON.stringify(p.t.name)}:{"dtype":"${p.t.dtype}","shape":[${p.t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`,
    );
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  if (headerLength > MAX_HEADER_LENGTH) {
    throw new SafetensorsWriteError(null, `header would be ${headerLength} bytes, over the ${MAX_HEADER_LENGTH}-byte limit`);
  }

  const file = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(file.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const p of prepared) {
    if (p.t.bytes !== undefined) file.set(p.t.bytes, pos);
    else encode(p.t as WriterTensor & { data: WriterValues }, p.elements, new DataView(file.buffer, pos, p.byteLength));
    pos += p.byteLength;
  }
  return file;
}
