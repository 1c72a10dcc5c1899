import { describe, expect, it } from 'vitest';
import {
  decodeFloat16,
  encodeFloat16,
  float16BitsToFloat32,
  float32ToFloat16Bits,
} from '../src/index';

// The reference: the value of a half-precision pattern straight from IEEE 754's definition.
function halfValue(bits: number): number {
  const sign = bits >> 15 ? -1 : 1;
  const exponent = (bits >> 10) & 31;
  const fraction = bits & 1023;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  if (exponent === 0) return sign * (fraction / 1024) * 2 ** -14;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

describe('float16', () => {
  it('decodes every one of the 65,536 patterns and encodes each back to itself', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16BitsToFloat32(bits);
      const reference = halfValue(bits);
      if (Number.isNaN(reference)) {
        expect(Number.isNaN(value)).toBe(true);
        expect(float32ToFloat16Bits(value) & 0x7c00).toBe(0x7c00);
        expect(float32ToFloat16Bits(value) & 0x3ff).not.toBe(0);
        continue;
      }
      if (value !== reference || float32ToFloat16Bits(value) !== bits)
        throw new Error(`pattern 0x${bits.toString(16)}: ${value} vs ${reference}`);
    }
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('rounds to nearest, ties to even, between every pair of neighbouring halves', () => {
    // Neighbours a < b (positive, finite): the midpoint is exact in float32 and ties to the even
    // pattern; one float32 step either side goes to the nearer neighbour.
    const below = (v: number) => v - Math.abs(v) * 2 ** -23;
    const above = (v: number) => v + Math.abs(v) * 2 ** -23;
    for (let bits = 0; bits < 0x7bff; bits++) {
      const a = halfValue(bits);
      const b = halfValue(bits + 1);
      const middle = (a + b) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      if (float32ToFloat16Bits(middle) !== even) throw new Error(`tie at ${middle} not even`);
      if (bits > 0 && float32ToFloat16Bits(Math.fround(below(middle))) !== bits)
        throw new Error(`${below(middle)} should round down to ${a}`);
      if (float32ToFloat16Bits(Math.fround(above(middle))) !== bits + 1)
        throw new Error(`${above(middle)} should round up to ${b}`);
      if (float32ToFloat16Bits(-middle) !== (0x8000 | even))
        throw new Error(`sign lost at ${-middle}`);
    }
  });

  it('handles overflow, underflow, subnormals, infinities and NaN', () => {
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the tie above the largest half is infinity
    expect(float32ToFloat16Bits(1e9)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e9)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // half of it: tie to even (zero)
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(float32ToFloat16Bits(1e-10)).toBe(0x0000);
    expect(float32ToFloat16Bits(-1e-10)).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up into the normals
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(1 / 3)).toBe(0x3555);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
    expect(Array.from(decodeFloat16(encodeFloat16([0.1, -7.25, 1000])))).toEqual([
      float16BitsToFloat32(0x2e66),
      -7.25,
      1000,
    ]);
  });
});
