import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  DTYPE_NAMES,
  bf16BitsToNumber,
  dtypeInfo,
  f16BitsToNumber,
  isDType,
  numberToBF16Bits,
  numberToF16Bits,
} from '../../src/format/dtype.ts';

describe('dtype table', () => {
  it('lists the reference dtypes in its enum order with their sizes', () => {
    expect(DTYPE_NAMES).toEqual([
      'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0',
      'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64',
      'F64', 'I64', 'U64',
    ]);
    const bytes = Object.fromEntries(DTYPE_NAMES.map((d) => [d, DTYPES[d].byteSize]));
    expect(bytes).toMatchObject({
      BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
      I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8, C64: 8, F4: 0.5, F6_E2M3: 0.75,
    });
    DTYPE_NAMES.forEach((d, i) => expect(dtypeInfo(d).order).toBe(i));
  });

  it('marks exactly the computed dtypes as supported', () => {
    const supported = DTYPE_NAMES.filter((d) => DTYPES[d].supported).sort();
    expect(supported).toEqual(['BF16', 'BOOL', 'F16', 'F32', 'F64', 'I16', 'I32', 'I64', 'I8', 'U8']);
    expect(DTYPES.I64.kind).toBe('int');
    expect(DTYPES.U8.kind).toBe('uint');
    expect(DTYPES.BF16.kind).toBe('float');
    expect(DTYPES.BOOL.kind).toBe('bool');
  });

  it('isDType is exact and case-sensitive', () => {
    expect(isDType('F32')).toBe(true);
    expect(isDType('f32')).toBe(false);
    expect(isDType('toString')).toBe(false);
    expect(isDType('')).toBe(false);
  });
});

describe('f16 decoding', () => {
  it('decodes special bit patterns exactly', () => {
    expect(f16BitsToNumber(0x0001)).toBe(2 ** -24); // smallest subnormal
    expect(f16BitsToNumber(0x03ff)).toBe(1023 * 2 ** -24); // largest subnormal
    expect(f16BitsToNumber(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16BitsToNumber(0x3c00)).toBe(1);
    expect(f16BitsToNumber(0x3c01)).toBe(1 + 2 ** -10);
    expect(f16BitsToNumber(0xc000)).toBe(-2);
    expect(f16BitsToNumber(0x7bff)).toBe(65504); // max normal
    expect(f16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(f16BitsToNumber(0xfc00)).toBe(-Infinity);
    expect(f16BitsToNumber(0x7e00)).toBeNaN();
    expect(f16BitsToNumber(0x7c01)).toBeNaN();
    expect(f16BitsToNumber(0xfe00)).toBeNaN();
    expect(Object.is(f16BitsToNumber(0x0000), 0)).toBe(true);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    expect(f16BitsToNumber(0x8001)).toBe(-(2 ** -24));
    expect(f16BitsToNumber(0x3555)).toBe(0.333251953125);
  });
});

describe('bf16 decoding', () => {
  it('decodes special bit patterns exactly', () => {
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(0xbf80)).toBe(-1);
    expect(bf16BitsToNumber(0x4049)).toBe(3.140625);
    expect(bf16BitsToNumber(0x0001)).toBe(2 ** -133); // smallest subnormal
    expect(bf16BitsToNumber(0x007f)).toBe(127 * 2 ** -133); // largest subnormal
    expect(bf16BitsToNumber(0x0080)).toBe(2 ** -126); // smallest normal
    expect(bf16BitsToNumber(0x7f7f)).toBe(255 * 2 ** 120); // max finite
    expect(bf16BitsToNumber(0x7f80)).toBe(Infinity);
    expect(bf16BitsToNumber(0xff80)).toBe(-Infinity);
    expect(bf16BitsToNumber(0x7fc0)).toBeNaN();
    expect(bf16BitsToNumber(0xff81)).toBeNaN();
    expect(Object.is(bf16BitsToNumber(0x0000), 0)).toBe(true);
    expect(Object.is(bf16BitsToNumber(0x8000), -0)).toBe(true);
  });
});

/** All finite non-negative values of a 16-bit format, in increasing order of bits. */
function finiteValues(decode: (b: number) => number, infBits: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < infBits; b++) out.push(decode(b));
  return out;
}

// (expect is called only on a mismatch: 65536 cases per format would be slow otherwise)
describe.each([
  { fmt: 'f16', decode: f16BitsToNumber, encode: numberToF16Bits, inf: 0x7c00, nan: 0x7e00 },
  { fmt: 'bf16', decode: bf16BitsToNumber, encode: numberToBF16Bits, inf: 0x7f80, nan: 0x7fc0 },
])('$fmt encoding (round to nearest, ties to even)', ({ decode, encode, inf, nan }) => {
  const values = finiteValues(decode, inf);

  it('round-trips every bit pattern except NaNs', () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = decode(b);
      if (Number.isNaN(v)) expect(encode(v)).toBe(nan);
      else if (encode(v) !== b) expect(encode(v).toString(16)).toBe(b.toString(16));
    }
  });

  it('rounds every midpoint to the even neighbour and near-midpoints to the nearer one', () => {
    for (let b = 0; b + 1 < values.length; b++) {
      const lo = values[b]!;
      const hi = values[b + 1]!;
      const mid = (lo + hi) / 2; // exact in double
      const even = b % 2 === 0 ? b : b + 1;
      if (encode(mid) !== even) expect([b, encode(mid)]).toEqual([b, even]);
      if (encode(-mid) !== (even | 0x8000)) expect(encode(-mid)).toBe(even | 0x8000);
      const below = mid - (hi - lo) / 1024;
      const above = mid + (hi - lo) / 1024;
      if (encode(below) !== b || encode(above) !== b + 1) expect([encode(below), encode(above)]).toEqual([b, b + 1]);
    }
  });

  it('overflows to infinity exactly at the midpoint past the largest finite value', () => {
    const max = values[values.length - 1]!;
    const ulp = max - values[values.length - 2]!;
    expect(encode(max + ulp / 2)).toBe(inf); // tie: max has an odd mantissa, so it rounds up
    expect(encode(max + ulp / 2 - ulp / 1024)).toBe(inf - 1);
    expect(encode(Infinity)).toBe(inf);
    expect(encode(-Infinity)).toBe(inf | 0x8000);
    expect(encode(1e300)).toBe(inf);
  });

  it('keeps the sign of zero and of underflow', () => {
    expect(encode(0)).toBe(0);
    expect(encode(-0)).toBe(0x8000);
    expect(encode(Number.MIN_VALUE)).toBe(0);
    expect(encode(-Number.MIN_VALUE)).toBe(0x8000);
  });
});

describe('specific encodings', () => {
  it('f16', () => {
    expect(numberToF16Bits(65504)).toBe(0x7bff);
    expect(numberToF16Bits(65519.99)).toBe(0x7bff);
    expect(numberToF16Bits(65520)).toBe(0x7c00);
    expect(numberToF16Bits(2 ** -24)).toBe(0x0001);
    expect(numberToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 → even (0)
    expect(numberToF16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 ulps → even (2)
    expect(numberToF16Bits(1023.5 * 2 ** -24)).toBe(0x0400); // rounds up out of the subnormals
    expect(numberToF16Bits(1 / 3)).toBe(0x3555);
    expect(numberToF16Bits(NaN)).toBe(0x7e00);
  });

  it('f16 rounds once from the double (no double rounding through float32)', () => {
    // Just above the tie between 1 and 1 + 2^-10. Via float32 it would first become the tie
    // itself and then round to even (1.0); rounded once it goes up.
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(numberToF16Bits(x)).toBe(0x3c01);
  });

  it('bf16', () => {
    expect(numberToBF16Bits(1)).toBe(0x3f80);
    expect(numberToBF16Bits(Math.PI)).toBe(0x4049);
    expect(numberToBF16Bits(2 ** -133)).toBe(0x0001);
    expect(numberToBF16Bits(2 ** -134)).toBe(0x0000); // tie → even
    expect(numberToBF16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even (1.0)
    expect(numberToBF16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (1 + 2^-6)
    expect(numberToBF16Bits(NaN)).toBe(0x7fc0);
    expect(numberToBF16Bits(3.4028234663852886e38)).toBe(0x7f80); // float32 max rounds past bf16 max
  });
});
