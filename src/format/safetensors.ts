/**
 * Safetensors reader: validates the header as strictly as the reference implementation
 * (`huggingface/safetensors`, Rust, `safetensors/src/tensor.rs`, `SafeTensors::read_metadata`
 * and `Metadata::validate`) and then reads tensor bytes on demand.
 *
 * The file is never read into one buffer: we read the 8-byte length, then the header, then
 * each tensor's bytes only when asked. Every rule the reference enforces has its own id
 * (`SafetensorsRule`), and every error names the file, the tensor when there is one, and the
 * rule, so a user can tell exactly what is wrong with a checkpoint.
 *
 * Where we are stricter than the reference (it silently keeps the last of duplicated keys),
 * we say so at the rule. Pure module: no DOM, no Node (see `node-source.ts` for files).
 */

import { DTYPES, isDType, isSupportedDType, type DType, type SupportedDType } from './dtype.ts';
import { JsonSyntaxError, parseJson, type JsonNode } from './json.ts';
import { decodeHalfWords, HalfTensor, LITTLE_ENDIAN, type HeldTensor } from './held-tensor.ts';

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/**
 * Random access to a file's bytes. `read` returns a fresh array that the caller owns (the
 * reader may wrap it in typed arrays without copying); it may return fewer bytes than asked
 * only at the end of the data, which the reader reports as `short-read`.
 */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * The most bytes one `Blob.slice(…).arrayBuffer()` asks for: Chromium refuses a slice of 2 GiB or
 * more ("NotReadableError: … permission problems") though it allocates the buffer, so a tensor that
 * large is read as slices of this size into one output array.
 */
export const MAX_BLOB_SLICE_BYTES = 2 ** 28;

/** A source over a browser `File`/`Blob` (also Node's global `Blob`), read slice by slice. */
export function blobSource(blob: Blob, sliceBytes = MAX_BLOB_SLICE_BYTES): ByteSource {
  return {
    size: blob.size,
    async read(offset, length) {
      if (length <= sliceBytes) return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      const want = Math.max(0, Math.min(length, blob.size - offset));
      const out = new Uint8Array(want);
      for (let at = 0; at < want; at += sliceBytes) {
        const part = new Uint8Array(await blob.slice(offset + at, offset + Math.min(want, at + sliceBytes)).arrayBuffer());
        out.set(part, at);
        // a file that changed under the read: what was read, which the reader reports as short
        if (part.byteLength < Math.min(sliceBytes, want - at)) return out.subarray(0, at + part.byteLength);
      }
      return out;
    },
  };
}

/** A source over bytes in memory (tests, files built in memory). Reads return copies. */
export function bytesSource(u8: Uint8Array): ByteSource {
  return {
    size: u8.byteLength,
    async read(offset, length) {
      return u8.slice(offset, offset + length);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * One id per rule. In brackets, the reference's `SafeTensorError` variant for the same file.
 *
 * - `file-too-small`: fewer than 8 bytes, no room for the header length [HeaderTooSmall]
 * - `header-too-large`: header length N > 100,000,000 [HeaderTooLarge]
 * - `header-out-of-bounds`: 8 + N is beyond the end of the file [InvalidHeaderLength]
 * - `header-not-utf8`: header bytes are not valid UTF-8 [InvalidHeader]
 * - `header-not-json`: header text is not one JSON value (trailing space padding is fine,
 *   NUL padding is not) [InvalidHeaderDeserialization]
 * - `header-not-object`: the JSON value is not an object [InvalidHeaderDeserialization]
 * - `malformed-tensor-entry`: a tensor's value is not an object, lacks `dtype`/`shape`/
 *   `data_offsets`, has one of the wrong JSON type, or repeats a field [InvalidHeaderDeserialization]
 * - `unknown-dtype`: `dtype` is not a name the reference knows [InvalidHeaderDeserialization]
 * - `invalid-shape`: a shape entry is not a non-negative integer literal [InvalidHeaderDeserialization]
 * - `invalid-offsets`: `data_offsets` is not two non-negative integer literals, or begin > end
 *   [InvalidHeaderDeserialization / InvalidOffset]
 * - `size-overflow`: the element count or byte count (or a shape entry or offset) exceeds
 *   2^53 − 1, beyond which JS numbers are not exact; the reference's limit is 2^64 − 1 and,
 *   like it, the running product is checked dimension by dimension [ValidationOverflow]
 * - `misaligned-sub-byte`: a packed dtype (F4, F6_*) whose elements × bits is not a whole
 *   number of bytes [MisalignedSlice]
 * - `byte-length-mismatch`: shape × dtype size differs from end − begin [TensorInvalidInfo]
 * - `offsets-not-from-zero`: sorted by offsets, the first tensor does not begin at 0 [InvalidOffset]
 * - `offsets-gap`: a tensor begins after the previous one ended [InvalidOffset]
 * - `offsets-overlap`: a tensor begins before the previous one ended [InvalidOffset]
 * - `buffer-not-fully-indexed`: last end + 8 + N ≠ file size [MetadataIncompleteBuffer]
 * - `invalid-metadata`: `__metadata__` is not a string → string map (or repeats a key, or
 *   appears twice); `null` is accepted as "no metadata", as the reference does
 *   [InvalidHeaderDeserialization; a repeated key inside it the reference silently drops]
 * - `duplicate-tensor-name`: the same tensor name twice at the top level [the reference
 *   silently keeps the last one]
 * - `tensor-not-found`: asked for a name the file does not have [TensorNotFound]
 * - `unsupported-dtype`: asked to decode data of a dtype this project does not compute with
 * - `short-read`: the source returned fewer bytes than the header promised (file changed or
 *   truncated after opening) [IoError]
 */
export const SAFETENSORS_RULES = [
  'file-too-small',
  'header-too-large',
  'header-out-of-bounds',
  'header-not-utf8',
  'header-not-json',
  'header-not-object',
  'malformed-tensor-entry',
  'unknown-dtype',
  'invalid-shape',
  'invalid-offsets',
  'size-overflow',
  'misaligned-sub-byte',
  'byte-length-mismatch',
  'offsets-not-from-zero',
  'offsets-gap',
  'offsets-overlap',
  'buffer-not-fully-indexed',
  'invalid-metadata',
  'duplicate-tensor-name',
  'tensor-not-found',
  'unsupported-dtype',
  'short-read',
] as const;

export type SafetensorsRule = (typeof SAFETENSORS_RULES)[number];

/** The reference's cap on the header length. */
export const MAX_HEADER_LENGTH = 100_000_000;

/**
 * A file that breaks a rule, or a request the file cannot serve. The message reads
 * `FILE: tensor "NAME": DETAIL [rule: RULE]` (without the tensor part for file-level rules).
 */
export class SafetensorsError extends Error {
  readonly rule: SafetensorsRule;
  readonly tensor: string | null;
  readonly file: string;
  /** The message without the file, tensor and rule decorations. */
  readonly detail: string;
  constructor(rule: SafetensorsRule, file: string, tensor: string | null, detail: string) {
    const where = tensor === null ? '' : ` tensor ${JSON.stringify(tensor)}:`;
    super(`${file}:${where} ${detail} [rule: ${rule}]`);
    this.name = 'SafetensorsError';
    this.rule = rule;
    this.tensor = tensor;
    this.file = file;
    this.detail = detail;
  }
}

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset of the first byte, relative to the start of the data section (8 + N). */
  begin: number;
  /** Byte offset one past the last byte, relative to the start of the data section. */
  end: number;
  byteLength: number;
  /** Product of the shape (1 for a scalar, shape []). */
  elements: number;
  /** Whether `read`/`readFloat64` can decode this dtype. */
  supported: boolean;
}

/**
 * The typed array each supported dtype decodes to: floats narrower than 32 bits widen exactly to
 * Float32Array; BOOL keeps its bytes as stored (normally 0 or 1).
 */
export interface DecodedArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Float32Array;
  BF16: Float32Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

export type DecodedData = DecodedArrays[SupportedDType];

/** A decoded tensor; narrowing on `dtype` narrows `data` (e.g. `dtype === 'I64'` → BigInt64Array). */
export type DecodedTensor = {
  [D in SupportedDType]: { name: string; dtype: D; shape: number[]; data: DecodedArrays[D] };
}[SupportedDType];

export interface SafetensorsFile {
  readonly fileName: string;
  /** Size of the whole file in bytes. */
  readonly byteSize: number;
  /** N, the header length in bytes (including any trailing padding). */
  readonly headerLength: number;
  /** `__metadata__`, or null when absent (or explicitly null). */
  readonly metadata: Record<string, string> | null;
  /** Every tensor, in the order the header lists them. */
  readonly tensors: readonly TensorInfo[];
  /** Whether the file has a tensor of this name. */
  has(name: string): boolean;
  /** The tensor's info; throws `tensor-not-found`. */
  tensor(name: string): TensorInfo;
  /** The tensor's bytes as stored (little-endian), any dtype. */
  readRaw(name: string): Promise<Uint8Array>;
  /** The tensor decoded to a typed array; throws `unsupported-dtype` for others. */
  read(name: string): Promise<DecodedTensor>;
  /**
   * The tensor converted to f64 (I64 above 2^53 rounds); throws `unsupported-dtype` for others.
   * Read in chunks of `chunkBytes` (default READ_CHUNK_BYTES) so only the f64 copy is full-size.
   */
  readFloat64(name: string, chunkBytes?: number): Promise<Float64Array>;
  /**
   * The tensor as f64, one chunk of `chunkBytes` of the file at a time, in order (what `readFloat64`
   * assembles): statistics over a tensor of any size in bounded memory. Throws as `readFloat64`.
   */
  float64Chunks(name: string, chunkBytes?: number): AsyncGenerator<Float64Array>;
  /**
   * The tensor as a read holds a parameter, in its stored dtype (src/format/held-tensor.ts): F16
   * and BF16 as their 16-bit words (a `HalfTensor`, decoded on use), F32 as its own bytes (no
   * copy), every other supported dtype as f64, read in chunks as `readFloat64`. The result is the
   * only full-size allocation.
   */
  readParameter(name: string, chunkBytes?: number): Promise<HeldTensor>;
}

// ---------------------------------------------------------------------------------------------
// Reading and validating the header
// ---------------------------------------------------------------------------------------------

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// ignoreBOM: keep a leading U+FEFF in the text so that, as in the reference, it is not JSON.

/** Read exactly `length` bytes at `offset`, or fail with `short-read`. */
async function readExact(
  source: ByteSource,
  offset: number,
  length: number,
  file: string,
  tensor: string | null,
): Promise<Uint8Array> {
  if (length === 0) return new Uint8Array(0);
  const bytes = await source.read(offset, length);
  if (bytes.byteLength !== length) {
    throw new SafetensorsError(
      'short-read',
      file,
      tensor,
      `asked the source for ${length} bytes at offset ${offset}, got ${bytes.byteLength}`,
    );
  }
  return bytes;
}

/** The 8 bytes as text when all are printable ASCII or whitespace (a text file), else null. */
function textStart(b: Uint8Array): string | null {
  for (const c of b) if (!((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d)) return null;
  return String.fromCharCode(...b);
}

/** Non-negative integer literal (as serde reads into usize): digits only, no sign, no fraction. */
const UINT_RE = /^(?:0|[1-9][0-9]*)$/;

interface ParsedEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

type Fail = (rule: SafetensorsRule, tensor: string | null, detail: string) => never;

function describe(node: JsonNode): string {
  switch (node.type) {
    case 'number': return `number ${node.raw}`;
    case 'string': return `string ${JSON.stringify(node.value)}`;
    case 'boolean': return String(node.value);
    default: return node.type;
  }
}

function parseTensorEntry(name: string, node: JsonNode, fail: Fail): ParsedEntry {
  if (node.type !== 'object') {
    return fail('malformed-tensor-entry', name, `entry is ${describe(node)}, expected an object with dtype, shape, data_offsets`);
  }
  const fields = new Map<string, JsonNode>();
  for (const e of node.entries) {
    if (fields.has(e.key)) fail('malformed-tensor-entry', name, `field ${JSON.stringify(e.key)} appears twice`);
    fields.set(e.key, e.value);
  }
  const dtypeNode = fields.get('dtype');
  const shapeNode = fields.get('shape');
  const offsetsNode = fields.get('data_offsets');
  for (const [field, v] of [['dtype', dtypeNode], ['shape', shapeNode], ['data_offsets', offsetsNode]] as const) {
    if (v === undefined) fail('malformed-tensor-entry', name, `missing field "${field}"`);
  }
  if (dtypeNode!.type !== 'string') {
    fail('malformed-tensor-entry', name, `"dtype" is ${describe(dtypeNode!)}, expected a string`);
  }
  if (shapeNode!.type !== 'array') {
    fail('malformed-tensor-entry', name, `"shape" is ${describe(shapeNode!)}, expected an array`);
  }
  if (offsetsNode!.type !== 'array') {
    fail('malformed-tensor-entry', name, `"data_offsets" is ${describe(offsetsNode!)}, expected an array`);
  }
  const dtypeName = (dtypeNode as { value: string }).value;
  if (!isDType(dtypeName)) fail('unknown-dtype', name, `unknown dtype ${JSON.stringify(dtypeName)}`);
  const dtype = dtypeName as DType;

  const shape: number[] = [];
  for (const [i, d] of (shapeNode as { items: JsonNode[] }).items.entries()) {
    if (d.type !== 'number' || !UINT_RE.test(d.raw)) {
      fail('invalid-shape', name, `shape[${i}] is ${describe(d)}, expected a non-negative integer`);
    }
    const v = (d as { value: number }).value;
    if (!Number.isSafeInteger(v)) {
      fail('size-overflow', name, `shape[${i}] = ${(d as { raw: string }).raw} exceeds 2^53 − 1`);
    }
    shape.push(v);
  }

  const offsets = (offsetsNode as { items: JsonNode[] }).items;
  if (offsets.length !== 2) {
    fail('invalid-offsets', name, `data_offsets has ${offsets.length} entries, expected [begin, end]`);
  }
  const pair: number[] = [];
  for (const [i, d] of offsets.entries()) {
    const which = i === 0 ? 'begin' : 'end';
    if (d.type !== 'number' || !UINT_RE.test(d.raw)) {
      fail('invalid-offsets', name, `data_offsets ${which} is ${describe(d)}, expected a non-negative integer`);
    }
    const v = (d as { value: number }).value;
    if (!Number.isSafeInteger(v)) {
      fail('size-overflow', name, `data_offsets ${which} = ${(d as { raw: string }).raw} exceeds 2^53 − 1`);
    }
    pair.push(v);
  }
  const [begin, end] = pair as [number, number];
  if (end < begin) fail('invalid-offsets', name, `data_offsets [${begin}, ${end}] end before begin`);
  return { name, dtype, shape, begin, end };
}

function parseMetadata(node: JsonNode, fail: Fail): Record<string, string> | null {
  if (node.type === 'null') return null;
  if (node.type !== 'object') {
    return fail('invalid-metadata', null, `__metadata__ is ${describe(node)}, expected an object of strings`);
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const seen = new Set<string>();
  for (const e of node.entries) {
    if (seen.has(e.key)) fail('invalid-metadata', null, `__metadata__ key ${JSON.stringify(e.key)} appears twice`);
    seen.add(e.key);
    if (e.value.type !== 'string') {
      fail('invalid-metadata', null, `__metadata__ value for ${JSON.stringify(e.key)} is ${describe(e.value)}, expected a string`);
    }
    out[e.key] = (e.value as { value: string }).value;
  }
  return out;
}

/** elements and byte length of a tensor, or the rule it breaks (checked in the reference's order). */
function sizeOf(entry: ParsedEntry, fail: Fail): { elements: number; bytes: number } {
  let elements = 1;
  for (const d of entry.shape) {
    elements *= d; // doubles: a true product above 2^53 − 1 still compares above it
    if (elements > Number.MAX_SAFE_INTEGER) {
      fail('size-overflow', entry.name, `element count of shape [${entry.shape.join(', ')}] exceeds 2^53 − 1`);
    }
  }
  const bits = BigInt(elements) * BigInt(DTYPES[entry.dtype].bits);
  if (bits / 8n > BigInt(Number.MAX_SAFE_INTEGER)) {
    fail('size-overflow', entry.name, `byte count of ${elements} × ${entry.dtype} exceeds 2^53 − 1`);
  }
  if (bits % 8n !== 0n) {
    fail('misaligned-sub-byte', entry.name, `${elements} elements of ${entry.dtype} (${DTYPES[entry.dtype].bits} bits) are not a whole number of bytes`);
  }
  return { elements, bytes: Number(bits / 8n) };
}

/**
 * Open a safetensors file: read and validate the header (no tensor data is read).
 * Throws `SafetensorsError` for any rule the file breaks.
 */
export async function openSafetensors(source: ByteSource, fileName: string): Promise<SafetensorsFile> {
  const fail: Fail = (rule, tensor, detail) => {
    throw new SafetensorsError(rule, fileName, tensor, detail);
  };
  const size = source.size;
  if (size < 8) fail('file-too-small', null, `file is ${size} bytes, too small for the 8-byte header length`);

  const lenBytes = await readExact(source, 0, 8, fileName, null);
  const n64 = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  // A text file (a model card, JSON, a pointer file) renamed .safetensors has printable bytes
  // where the length goes; say so rather than quote an absurd header length.
  const asText = textStart(lenBytes);
  const notSafetensors = asText === null ? '' : `not a safetensors file (it begins with the text ${JSON.stringify(asText)}): `;
  if (n64 > BigInt(MAX_HEADER_LENGTH)) {
    fail('header-too-large', null, `${notSafetensors}header length ${n64} exceeds ${MAX_HEADER_LENGTH} bytes`);
  }
  const headerLength = Number(n64);
  if (8 + headerLength > size) {
    fail('header-out-of-bounds', null, `${notSafetensors}header length ${headerLength} + 8 exceeds the file size (${size} bytes)`);
  }

  const headerBytes = await readExact(source, 8, headerLength, fileName, null);
  let text: string;
  try {
    text = UTF8.decode(headerBytes);
  } catch {
    return fail('header-not-utf8', null, 'header is not valid UTF-8');
  }
  let root: JsonNode;
  try {
    root = parseJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return fail('header-not-json', null, `header is not JSON: ${e.message}`);
    throw e;
  }
  if (root.type !== 'object') fail('header-not-object', null, `header JSON is ${describe(root)}, expected an object`);

  // Per-entry checks, in header order (as serde meets them).
  const entries: ParsedEntry[] = [];
  const seen = new Set<string>();
  let metadata: Record<string, string> | null = null;
  let sawMetadata = false;
  for (const e of (root as { entries: { key: string; value: JsonNode }[] }).entries) {
    if (e.key === '__metadata__') {
      if (sawMetadata) fail('invalid-metadata', null, '__metadata__ appears twice');
      sawMetadata = true;
      metadata = parseMetadata(e.value, fail);
      continue;
    }
    if (seen.has(e.key)) fail('duplicate-tensor-name', e.key, 'tensor name appears twice in the header');
    seen.add(e.key);
    entries.push(parseTensorEntry(e.key, e.value, fail));
  }

  // Layout checks, in offset order as the reference does: contiguity, then size per tensor.
  const byOffset = entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.begin - b.entry.begin || a.entry.end - b.entry.end || a.index - b.index);
  const infos: TensorInfo[] = new Array<TensorInfo>(entries.length);
  let prevEnd = 0;
  let prevName: string | null = null;
  for (const [k, { entry, index }] of byOffset.entries()) {
    if (entry.begin !== prevEnd) {
      if (k === 0) {
        fail('offsets-not-from-zero', entry.name, `first tensor by offset begins at ${entry.begin}, expected 0`);
      } else if (entry.begin > prevEnd) {
        fail('offsets-gap', entry.name, `begins at ${entry.begin} but ${JSON.stringify(prevName)} ends at ${prevEnd}: ${entry.begin - prevEnd} bytes in between belong to no tensor`);
      } else {
        fail('offsets-overlap', entry.name, `begins at ${entry.begin}, inside ${JSON.stringify(prevName)} which ends at ${prevEnd}`);
      }
    }
    prevEnd = entry.end;
    prevName = entry.name;
    const { elements, bytes } = sizeOf(entry, fail);
    const span = entry.end - entry.begin;
    if (bytes !== span) {
      fail('byte-length-mismatch', entry.name, `shape × dtype size (${bytes} bytes) differs from end−begin (${span} bytes)`);
    }
    infos[index] = {
      name: entry.name,
      dtype: entry.dtype,
      shape: entry.shape,
      begin: entry.begin,
      end: entry.end,
      byteLength: span,
      elements,
      supported: isSupportedDType(entry.dtype),
    };
  }
  const dataStart = 8 + headerLength;
  if (prevEnd + dataStart !== size) {
    const dataBytes = size - dataStart;
    fail(
      'buffer-not-fully-indexed',
      prevName,
      prevEnd < dataBytes
        ? `tensors end at byte ${prevEnd} of a ${dataBytes}-byte data section: ${dataBytes - prevEnd} trailing bytes belong to no tensor`
        : `tensors end at byte ${prevEnd} but the data section has only ${dataBytes} bytes`,
    );
  }

  return new SafetensorsFileImpl(source, fileName, size, headerLength, metadata, infos);
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** `raw`'s bytes as an ArrayBuffer region aligned to `align`, copying only when it is not. */
function aligned(raw: Uint8Array, align: number): { buffer: ArrayBuffer; offset: number } {
  if (raw.byteOffset % align === 0 && raw.buffer instanceof ArrayBuffer) {
    return { buffer: raw.buffer, offset: raw.byteOffset };
  }
  const copy = raw.slice();
  return { buffer: copy.buffer, offset: 0 };
}

/** Decode the little-endian bytes of a supported dtype. */
export function decodeBytes<D extends SupportedDType>(dtype: D, raw: Uint8Array, elements: number): DecodedArrays[D];
export function decodeBytes(dtype: SupportedDType, raw: Uint8Array, elements: number): DecodedData {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'U8':
    case 'BOOL':
      return raw.slice(0, elements);
    case 'I8':
      return new Int8Array(raw.slice(0, elements).buffer);
    case 'F16':
    case 'BF16': {
      const { buffer, offset } = aligned(raw, 2);
      return decodeHalfWords(dtype, new Uint16Array(buffer, offset, elements), new Float32Array(elements));
    }
    case 'I16':
    case 'I32':
    case 'F32':
    case 'F64':
    case 'I64': {
      const Ctor = {
        I16: Int16Array,
        I32: Int32Array,
        F32: Float32Array,
        F64: Float64Array,
        I64: BigInt64Array,
      }[dtype];
      const size = Ctor.BYTES_PER_ELEMENT;
      if (LITTLE_ENDIAN) {
        const { buffer, offset } = aligned(raw, size);
        return new Ctor(buffer, offset, elements);
      }
      // Big-endian host: read each element little-endian.
      switch (dtype) {
        case 'I16': return Int16Array.from({ length: elements }, (_, i) => view.getInt16(2 * i, true));
        case 'I32': return Int32Array.from({ length: elements }, (_, i) => view.getInt32(4 * i, true));
        case 'F32': return Float32Array.from({ length: elements }, (_, i) => view.getFloat32(4 * i, true));
        case 'F64': return Float64Array.from({ length: elements }, (_, i) => view.getFloat64(8 * i, true));
        case 'I64': return BigInt64Array.from({ length: elements }, (_, i) => view.getBigInt64(8 * i, true));
      }
    }
  }
  throw new Error(`decodeBytes: dtype ${dtype} is not supported`);
}

/** Any decoded array as f64. */
export function toFloat64(data: DecodedData): Float64Array {
  if (data instanceof Float64Array) return data;
  if (data instanceof BigInt64Array) {
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
    return out;
  }
  // the typed-array constructor converts natively: ~4× Float64Array.from on 16.7 M f32 elements
  return new Float64Array(data);
}

/** Bytes per element of a tensor as `readParameter` holds it: F16/BF16 words 2, F32 4, the rest f64 8. */
export const heldBytesPerElement = (dtype: DType): number => (dtype === 'F16' || dtype === 'BF16' ? 2 : dtype === 'F32' ? 4 : 8);

/** Bytes of the file a chunked f64 read converts at a time. */
export const READ_CHUNK_BYTES = 16 * 2 ** 20;

class SafetensorsFileImpl implements SafetensorsFile {
  readonly tensors: readonly TensorInfo[];
  private readonly byName: Map<string, TensorInfo>;
  private readonly dataStart: number;

  constructor(
    private readonly source: ByteSource,
    readonly fileName: string,
    readonly byteSize: number,
    readonly headerLength: number,
    readonly metadata: Record<string, string> | null,
    tensors: TensorInfo[],
  ) {
    this.tensors = Object.freeze(tensors);
    this.byName = new Map(tensors.map((t) => [t.name, t]));
    this.dataStart = 8 + headerLength;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  tensor(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (t === undefined) {
      throw new SafetensorsError('tensor-not-found', this.fileName, name, 'no tensor of this name in the file');
    }
    return t;
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const t = this.tensor(name);
    return readExact(this.source, this.dataStart + t.begin, t.byteLength, this.fileName, name);
  }

  async read(name: string): Promise<DecodedTensor> {
    const t = this.tensor(name);
    const dtype = t.dtype;
    if (!isSupportedDType(dtype)) {
      throw new SafetensorsError('unsupported-dtype', this.fileName, name, `dtype ${dtype} is listed but not decoded by this project`);
    }
    const raw = await this.readRaw(name);
    return { name, dtype, shape: [...t.shape], data: decodeBytes(dtype, raw, t.elements) } as DecodedTensor;
  }

  /**
   * The tensor as f64, read and converted in chunks of READ_CHUNK_BYTES of the file: the f64 copy
   * is the only full-size allocation (a whole-tensor read would hold the stored bytes beside it,
   * 1.5× the f64 size at the peak for F32).
   */
  async readFloat64(name: string, chunkBytes = READ_CHUNK_BYTES): Promise<Float64Array> {
    const t = this.tensor(name);
    if (t.byteLength <= chunkBytes || t.elements === 0) return toFloat64((await this.read(name)).data);
    return this.readChunked(t, new Float64Array(t.elements), chunkBytes);
  }

  async readParameter(name: string, chunkBytes = READ_CHUNK_BYTES): Promise<HeldTensor> {
    const t = this.tensor(name);
    const shape = [...t.shape];
    if (t.dtype === 'F16' || t.dtype === 'BF16') {
      // the words are the file's bytes: one read, no decode (HalfTensor decodes on use)
      const raw = await this.readRaw(name);
      const { buffer, offset } = aligned(raw, 2);
      return new HalfTensor(t.dtype, shape, new Uint16Array(buffer, offset, t.elements));
    }
    // a whole F32 read is a view over the bytes read (no second copy at any size)
    if (t.dtype === 'F32') return { shape, data: (await this.read(name)).data as Float32Array };
    return { shape, data: await this.readFloat64(name, chunkBytes) };
  }

  async *float64Chunks(name: string, chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<Float64Array> {
    const t = this.tensor(name);
    const dtype = t.dtype;
    if (!isSupportedDType(dtype)) {
      throw new SafetensorsError('unsupported-dtype', this.fileName, t.name, `dtype ${dtype} is listed but not decoded by this project`);
    }
    const per = t.byteLength / t.elements;
    const step = Math.max(1, Math.floor(chunkBytes / per));
    for (let at = 0; at < t.elements; at += step) {
      const n = Math.min(step, t.elements - at);
      const raw = await readExact(this.source, this.dataStart + t.begin + at * per, n * per, this.fileName, t.name);
      yield toFloat64(decodeBytes(dtype, raw, n));
    }
  }

  /** Decode `t` into `out` chunk by chunk of the file (only `out` is full-size). */
  private async readChunked(t: TensorInfo, out: Float64Array, chunkBytes: number): Promise<Float64Array> {
    let at = 0;
    for await (const chunk of this.float64Chunks(t.name, chunkBytes)) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
