/**
 * A checkpoint tensor as a read holds it: in its stored dtype.
 *
 * F32 and F64 tensors are their own values (a Float32Array / Float64Array). F16 and BF16 tensors
 * are held as their 16-bit words, exactly the file's bytes (`HalfTensor`): half the memory of a
 * float32 copy. Every reader takes `data`, the values: for a 16-bit tensor that is a float32 array
 * (exact: every f16 and bf16 value is a float32) decoded on first use and kept in one bounded,
 * process-wide cache, so a model's 16-bit weights cost their stored bytes plus at most
 * `decodedBudgetBytes()` of decoded copies (or its largest tensor's, if larger), whatever the
 * model's size. Engines that compute on the words themselves (the WebGPU engine's kernels decode
 * them as they load) read `words`.
 *
 * Pure module: no DOM, no Node.
 */
import { f16BitsToNumber } from './dtype.ts';

export type ParamArray = Float32Array | Float64Array;

/** A parameter tensor: row-major values with its shape. Readers take elements and never write. */
export interface HeldTensor { readonly shape: number[]; readonly data: ParamArray }

export type HalfDType = 'F16' | 'BF16';

let f16Values: Float32Array | null = null;
/** Every f16 bit pattern's value (256 KiB, built once): the decode is one load per element. */
function f16Table(): Float32Array {
  if (f16Values) return f16Values;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = f16BitsToNumber(h);
  return (f16Values = t);
}

/** Whether typed arrays on this host read little-endian bytes as they are (every host JS runs on today). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode little-endian F16/BF16 words into `out` (one value per word), exactly. `words` holds the
 * file's bytes; on a big-endian host they are read through a DataView.
 */
export function decodeHalfWords(dtype: HalfDType, words: Uint16Array, out: Float32Array): Float32Array {
  const n = out.length;
  const w = LITTLE_ENDIAN ? words : hostOrder(words);
  if (dtype === 'F16') {
    const table = f16Table();
    for (let i = 0; i < n; i++) out[i] = table[w[i]!]!;
    return out;
  }
  // bf16 is the high half of a float32: write the bits straight into the output
  const bits = new Uint32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) bits[i] = w[i]! << 16;
  return out;
}

/** Little-endian words as the host reads them (a big-endian host's copy, through a DataView). */
function hostOrder(words: Uint16Array): Uint16Array {
  const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
  return Uint16Array.from({ length: words.length }, (_, i) => view.getUint16(2 * i, true));
}

/** Default bound on the decoded float32 copies of 16-bit tensors held at once (see `HalfTensor`). */
export const DECODED_BUDGET_BYTES = 256 * 2 ** 20;

let budget = DECODED_BUDGET_BYTES;
/** Tensors whose decoded copy is kept, oldest first, and those copies' bytes. */
const kept: HalfTensor[] = [];
let keptBytes = 0;

/** The bound on decoded copies kept at once (bytes). */
export const decodedBudgetBytes = (): number => budget;

/** Set the bound (bytes ≥ 0); copies over it are dropped at once, oldest first. */
export function setDecodedBudgetBytes(bytes: number): void {
  if (!(bytes >= 0)) throw new RangeError(`decoded-weights budget must be ≥ 0 bytes, got ${bytes}`);
  budget = bytes;
  evictTo(budget);
}

/** Bytes of decoded copies kept now (for tests and the memory benchmark). */
export const decodedBytesKept = (): number => keptBytes;

function evictTo(limit: number): void {
  while (keptBytes > limit && kept.length) {
    const t = kept.shift()!;
    keptBytes -= t.dropDecoded();
  }
}

/**
 * An F16 or BF16 tensor held as its 16-bit words. `data` decodes on first use and keeps the copy
 * while the process-wide budget allows (first in, first out: a read walks its layers in order, so
 * the oldest copy is the one it needs last). The latest copy is kept even when it alone is over the
 * budget, so the bound is the budget or the largest tensor's float32 size. The copy handed out is
 * never written; dropping it from the cache does not invalidate it for a reader still holding it.
 */
export class HalfTensor implements HeldTensor {
  private decoded: Float32Array | null = null;

  constructor(readonly dtype: HalfDType, readonly shape: number[], readonly words: Uint16Array) {}

  get data(): Float32Array {
    return this.decoded ?? this.decode();
  }

  private decode(): Float32Array {
    const values = decodeHalfWords(this.dtype, this.words, new Float32Array(this.words.length));
    // the latest copy is kept even when it alone is over the budget, so a reader that asks for
    // `data` element by element never decodes twice in a row
    evictTo(Math.max(0, budget - values.byteLength));
    this.decoded = values;
    kept.push(this);
    keptBytes += values.byteLength;
    return values;
  }

  /** @internal the cache's eviction: forget the decoded copy, return its bytes. */
  dropDecoded(): number {
    const bytes = this.decoded?.byteLength ?? 0;
    this.decoded = null;
    return bytes;
  }
}

/** Whether a held tensor has a NaN or an infinity (16-bit ones by their exponent bits, no decode). */
export function hasNonFinite(t: HeldTensor): boolean {
  if (t instanceof HalfTensor) {
    // f16: exponent 5 bits at 10..14; bf16: 8 bits at 7..14 (all ones = Inf/NaN)
    const mask = t.dtype === 'F16' ? 0x7c00 : 0x7f80;
    const w = LITTLE_ENDIAN ? t.words : hostOrder(t.words);
    for (let i = 0; i < w.length; i++) if ((w[i]! & mask) === mask) return true;
    return false;
  }
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return true;
  return false;
}

/** A held tensor's element count (a 16-bit tensor's from its words: asking for a length never decodes). */
export const elementsOf = (t: HeldTensor): number => (t instanceof HalfTensor ? t.words.length : t.data.length);

/** Bytes a held tensor occupies (its stored words or values; decoded copies are the cache's). */
export const heldBytes = (t: HeldTensor): number => (t instanceof HalfTensor ? t.words.byteLength : t.data.byteLength);

/**
 * A tensor whose elements are those of `t` moved by `f` (a transpose, a reordering or a slice),
 * still in its stored dtype: `f` moves words for a 16-bit tensor and values for the others.
 */
export function rearrange(
  t: HeldTensor, shape: number[], f: <A extends Uint16Array | Float32Array | Float64Array>(a: A, like: (n: number) => A) => A,
): HeldTensor {
  if (t instanceof HalfTensor) return new HalfTensor(t.dtype, shape, f(t.words, (n) => new Uint16Array(n)));
  const d = t.data;
  const data = d instanceof Float32Array ? f(d, (n) => new Float32Array(n)) : f(d, (n) => new Float64Array(n));
  return { shape, data };
}
