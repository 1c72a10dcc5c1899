// Hand-written rather than a dependency: the teacher-logit cache (@crack/distill) and the float16
// weights (@crack/export) need two scalar conversions of about twenty
// lines each. @petamoriken/float16 is well kept and its getFloat16/setFloat16 would do, but a
// runtime dependency (with a Float16Array polyfill we do not need) is not worth two functions
// whose tests check every one of the 65,536 half-precision patterns and every rounding tie.
// Native Math.f16round / Float16Array only arrive in Node >= 24; this package supports Node 20.

const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);

/**
 * The IEEE 754 binary16 bit pattern nearest to `value` once rounded to float32: round to nearest,
 * ties to even; values past the largest half (65504) round to +-Infinity, tiny values to
 * subnormals or signed zero; NaN stays NaN (quiet, sign and top payload bits kept).
 */
export function float32ToFloat16Bits(value: number): number {
  float32[0] = value;
  const bits = float32Bits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  // Re-bias from float32 (127) to float16 (15).
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half: value = m * 2^-24, so m = (1.mantissa * 2^23) >> (14 - halfExponent).
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const kept = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    // A carry out of the subnormal range gives 0x400, the smallest normal, as it should.
    return sign | (rest > half || (rest === half && kept & 1) ? kept + 1 : kept);
  }
  const kept = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa bumps the exponent; out of 0x7bff it gives 0x7c00 = Infinity.
  return sign | (rest > 0x1000 || (rest === 0x1000 && kept & 1) ? kept + 1 : kept);
}

/** The number an IEEE 754 binary16 bit pattern (the low 16 bits of `bits`) stands for; exact. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** {@link float32ToFloat16Bits} over an array: float32 values to binary16 bit patterns. */
export function encodeFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}

/** {@link float16BitsToFloat32} over an array: binary16 bit patterns to float32 values. */
export function decodeFloat16(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  return out;
}

/** The largest finite binary16 value. */
export const FLOAT16_MAX = 65504;
