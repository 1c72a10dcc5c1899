// The float16 codec of the teacher-logit cache is @crack/data's (its tests check every one of the
// 65,536 patterns); this package re-exports it under the same names, so its users keep them.
import * as data from '@crack/data';
import * as distill from '@crack/distill';
import { describe, expect, it } from 'vitest';

describe('float16 codec (re-exported from @crack/data)', () => {
  it('is the same four functions', () => {
    expect(distill.encodeFloat16).toBe(data.encodeFloat16);
    expect(distill.decodeFloat16).toBe(data.decodeFloat16);
    expect(distill.float32ToFloat16Bits).toBe(data.float32ToFloat16Bits);
    expect(distill.float16BitsToFloat32).toBe(data.float16BitsToFloat32);
  });

  it('round-trips the values the cache stores', () => {
    const logits = [-13.25, -0.5, 0, 2 ** -24, 1, 65504];
    expect([...distill.decodeFloat16(distill.encodeFloat16(logits))]).toEqual(logits);
  });
});
