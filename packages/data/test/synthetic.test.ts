import { describe, expect, it } from 'vitest';
import { assertSample, syntheticCrack, syntheticCracks } from '../src/index.js';

describe('syntheticCracks', () => {
  it('makes well-formed CFD-sized samples', () => {
    const samples = syntheticCracks({ count: 3, seed: 7 });
    expect(samples.map((s) => s.id)).toEqual(['synthetic-7-0', 'synthetic-7-1', 'synthetic-7-2']);
    for (const sample of samples) {
      assertSample('test', sample);
      expect([sample.width, sample.height]).toEqual([480, 320]);
      expect(sample.mask.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('is deterministic: same seed same bytes, other seed differs, sample i independent of count', () => {
    const a = syntheticCracks({ count: 2, seed: 42, width: 160, height: 96 });
    const b = syntheticCracks({ count: 2, seed: 42, width: 160, height: 96 });
    const c = syntheticCracks({ count: 2, seed: 43, width: 160, height: 96 });
    expect(Buffer.from(a[1]?.image.data ?? []).equals(Buffer.from(b[1]?.image.data ?? []))).toBe(
      true,
    );
    expect(Buffer.from(a[1]?.mask ?? []).equals(Buffer.from(b[1]?.mask ?? []))).toBe(true);
    expect(Buffer.from(a[0]?.image.data ?? []).equals(Buffer.from(c[0]?.image.data ?? []))).toBe(
      false,
    );
    expect(syntheticCrack(1, { seed: 42, width: 160, height: 96 })).toEqual(a[1]);
  });

  it('has a CFD-like crack fraction and cracks darker than the surface', () => {
    const samples = syntheticCracks({ count: 24, seed: 1 });
    let crack = 0;
    let total = 0;
    for (const { mask, image } of samples) {
      let crackLuma = 0;
      let surfaceLuma = 0;
      let n = 0;
      for (let i = 0; i < mask.length; i++) {
        const luma = image.data[i * 3 + 1] as number;
        if (mask[i]) {
          crackLuma += luma;
          n++;
        } else surfaceLuma += luma;
      }
      expect(n).toBeGreaterThan(0);
      expect(crackLuma / n).toBeLessThan((surfaceLuma / (mask.length - n)) * 0.85);
      crack += n;
      total += mask.length;
    }
    // CFD: 1.6 % crack pixels (0.35 % to 6.3 % per image).
    expect(crack / total).toBeGreaterThan(0.008);
    expect(crack / total).toBeLessThan(0.03);
  });

  it('names bad options', () => {
    expect(() => syntheticCracks({ count: -1 })).toThrow(
      /syntheticCracks: options\.count must be an integer >= 0, got -1/,
    );
    expect(() => syntheticCracks({ count: 1, crackWidth: [1, 9] })).toThrow(
      /options\.crackWidth must be \[min, max\] with 1 <= min <= max <= 6/,
    );
    expect(() => syntheticCrack(0, { width: 3 })).toThrow(
      /syntheticCrack: options\.width must be an integer from 8 to 8192, got 3/,
    );
  });
});
