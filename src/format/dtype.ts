/**
 * Safetensors element types and the exact conversions between the 16-bit float formats and
 * JS numbers.
 *
 * The dtype list and its order follow the reference Rust crate (`huggingface/safetensors`,
 * `safetensors/src/tensor.rs`, `enum Dtype`). The order matters: the reference writer sorts
 * tensors by descending position in this enum ("descending alignment") and then by name, and
 * our writer reproduces that byte for byte.
 *
 * Pure module: no DOM, no Node.
 */

/**
 * Every dtype name the reference crate accepts in a header, in its enum order (as of
 * safetensors 0.8: the FNUZ fp8 variants, C64 and the packed F4/F6 types are recent additions).
 */
export const DTYPE_NAMES = [
  'BOOL',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F8_E4M3FNUZ',
  'F8_E5M2FNUZ',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'C64',
  'F64',
  'I64',
  'U64',
] as const;

export type DType = (typeof DTYPE_NAMES)[number];

/** Coarse family of a dtype; `complex` is C64 (two f32 parts). */
export type DTypeKind = 'bool' | 'uint' | 'int' | 'float' | 'complex';

export interface DTypeInfo {
  readonly name: DType;
  /** Bits per element. The header's byte count is elements × bits / 8 and must be whole. */
  readonly bits: number;
  /** Bytes per element, `bits / 8`; fractional (0.5, 0.75) for the packed F4/F6 types. */
  readonly byteSize: number;
  readonly kind: DTypeKind;
  /** Whether this project decodes the data (see `DecodedTensor`); others are indexed only. */
  readonly supported: boolean;
  /** Position in the reference enum; the reference writer sorts by it, descending. */
  readonly order: number;
}

const KIND_AND_BITS: Record<DType, [DTypeKind, number]> = {
  BOOL: ['bool', 8],
  F4: ['float', 4],
  F6_E2M3: ['float', 6],
  F6_E3M2: ['float', 6],
  U8: ['uint', 8],
  I8: ['int', 8],
  F8_E5M2: ['float', 8],
  F8_E4M3: ['float', 8],
  F8_E8M0: ['float', 8],
  F8_E4M3FNUZ: ['float', 8],
  F8_E5M2FNUZ: ['float', 8],
  I16: ['int', 16],
  U16: ['uint', 16],
  F16: ['float', 16],
  BF16: ['float', 16],
  I32: ['int', 32],
  U32: ['uint', 32],
  F32: ['float', 32],
  C64: ['complex', 64],
  F64: ['float', 64],
  I64: ['int', 64],
  U64: ['uint', 64],
};

/** The dtypes this project reads into typed arrays and computes with. */
export type SupportedDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** The dtypes this project reads into typed arrays and computes with. */
export const SUPPORTED_DTYPES: ReadonlySet<DType> = new Set<SupportedDType>([
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
]);

/** name → info for every dtype in `DTYPE_NAMES`. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = Object.freeze(
  Object.fromEntries(
    DTYPE_NAMES.map((name, order) => {
      const [kind, bits] = KIND_AND_BITS[name];
      const info: DTypeInfo = Object.freeze({
        name,
        bits,
        byteSize: bits / 8,
        kind,
        supported: SUPPORTED_DTYPES.has(name),
        order,
      });
      return [name, info];
    }),
  ) as Record<DType, DTypeInfo>,
);

/** True when `s` is a dtype name the reference crate accepts (case-sensitive, as in the crate). */
export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(KIND_AND_BITS, s);
}

/** Whether this project decodes `dtype` (narrows the type). */
export function isSupportedDType(dtype: DType): dtype is SupportedDType {
  return SUPPORTED_DTYPES.has(dtype);
}

/** Info for a dtype name. */
export function dtypeInfo(dtype: DType): DTypeInfo {
  return DTYPES[dtype];
}

// ---------------------------------------------------------------------------------------------
// 16-bit float decoding. Both are exact: every f16 and bf16 value is a float32 (and a double).
// ---------------------------------------------------------------------------------------------

const F32_SCRATCH = new Float32Array(1);
const U32_SCRATCH = new Uint32Array(F32_SCRATCH.buffer);

/**
 * IEEE binary16 bits → value. Exact, including subnormals (0x0001 = 2^-24), ±0, ±∞ and NaN.
 * Computed arithmetically (not via bit tricks) so it needs no scratch buffer.
 */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal; sign * 0 gives ±0
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/**
 * bfloat16 bits → value. bf16 is the top half of a float32, so shifting into a float32's bit
 * pattern is exact for every value (subnormals, ±0, ±∞; NaN stays NaN).
 */
export function bf16BitsToNumber(bits: number): number {
  U32_SCRATCH[0] = (bits & 0xffff) << 16;
  return F32_SCRATCH[0]!;
}

// ---------------------------------------------------------------------------------------------
// Encoding to the 16-bit formats with round-to-nearest, ties-to-even, straight from the double.
// Going double → float32 → f16 would round twice and can be off by one ulp on ties, so we round
// once from the exact input. Float32 inputs are exact doubles, so this is also exact RNE for them.
// ---------------------------------------------------------------------------------------------

const F64_SCRATCH = new DataView(new ArrayBuffer(8));

/** Unbiased binary exponent of a finite, normal, positive double (exact, no log2 rounding). */
function exponentOf(a: number): number {
  F64_SCRATCH.setFloat64(0, a, true);
  return ((F64_SCRATCH.getUint32(4, true) >>> 20) & 0x7ff) - 1023;
}

/** Round a non-negative double to an integer, ties to even. Exact: q − ⌊q⌋ has no rounding. */
function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Encode a double into a binary float format with `expBits` exponent bits and `mantBits`
 * fraction bits (IEEE layout, with subnormals and ∞), rounding to nearest even.
 * Overflow (≥ halfway between the largest finite value and the next power of two) gives ±∞.
 */
function encodeBinaryFloat(x: number, expBits: number, mantBits: number, quietNaN: number): number {
  const signBit = 1 << (expBits + mantBits);
  if (Number.isNaN(x)) return quietNaN;
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  const a = Math.abs(x);
  const bias = (1 << (expBits - 1)) - 1;
  const emin = 1 - bias;
  const expAllOnes = (1 << expBits) - 1;
  const inf = sign | (expAllOnes << mantBits);
  if (a === Infinity) return inf;
  if (a < 2 ** emin) {
    // Subnormal range: the value is m · 2^(emin − mantBits). m may round up to 2^mantBits,
    // which is exactly the bit pattern of the smallest normal.
    const m = roundHalfEven(a * 2 ** (mantBits - emin));
    return sign | m;
  }
  let e = exponentOf(a);
  let m = roundHalfEven(a * 2 ** (mantBits - e)); // in [2^mantBits, 2^(mantBits+1)]
  if (m === 2 ** (mantBits + 1)) {
    m = 2 ** mantBits;
    e += 1;
  }
  if (e > bias) return inf;
  return sign | ((e + bias) << mantBits) | (m - 2 ** mantBits);
}

/** Number (double or float32 value) → IEEE binary16 bits, round-to-nearest-even. NaN → 0x7E00. */
export function numberToF16Bits(x: number): number {
  return encodeBinaryFloat(x, 5, 10, 0x7e00);
}

/** Number (double or float32 value) → bfloat16 bits, round-to-nearest-even. NaN → 0x7FC0. */
export function numberToBF16Bits(x: number): number {
  return encodeBinaryFloat(x, 8, 7, 0x7fc0);
}
