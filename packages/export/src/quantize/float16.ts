/**
 * IEEE 754 binary16 ("half") encoding of float32 values, rounding to nearest, ties to even: the
 * format tfjs decodes for weights whose manifest entry says `quantization: { dtype: 'float16' }`.
 * The codec is @crack/data's (shared with @crack/distill's teacher-logit cache); these are its
 * names in this package.
 */
export {
  FLOAT16_MAX,
  float16BitsToFloat32 as float16Value,
  float32ToFloat16Bits as float16Bits,
} from '@crack/data';
