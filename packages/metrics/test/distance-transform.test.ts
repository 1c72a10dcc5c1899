import { describe, expect, it } from 'vitest';
import { squaredDistanceTransform } from '../src';
import { bruteSquaredDistance, maskOf, random, randomMask } from './helpers/reference';

describe('squaredDistanceTransform', () => {
  it('gives squared distances to the nearest crack pixel (hand-computed)', () => {
    // One seed at (1, 1) of a 4x3 image.
    const d2 = squaredDistanceTransform(maskOf(4, 3, [[1, 1]]));
    expect(Array.from(d2)).toEqual([2, 1, 2, 5, 1, 0, 1, 4, 2, 1, 2, 5]);
  });

  it('does not wrap around rows: the last pixel of a row is far from the first of the next', () => {
    const d2 = squaredDistanceTransform(maskOf(5, 2, [[0, 1]]));
    expect(d2[4]).toBe(16 + 1);
  });

  it('is Infinity everywhere for an empty mask', () => {
    const d2 = squaredDistanceTransform(maskOf(3, 2, []));
    expect(Array.from(d2)).toEqual(new Array(6).fill(Number.POSITIVE_INFINITY));
  });

  it('matches brute force on random masks of many sizes and densities', () => {
    const rand = random(7);
    for (let trial = 0; trial < 120; trial++) {
      const width = 1 + Math.floor(rand() * 40);
      const height = 1 + Math.floor(rand() * 40);
      const density = [0.001, 0.01, 0.05, 0.3, 0.9][trial % 5] as number;
      const mask = randomMask(rand, width, height, density);
      const expected = bruteSquaredDistance(mask);
      expect(squaredDistanceTransform(mask)).toEqual(expected);
      // Capped: exact up to the cap, Infinity beyond.
      const maxDistance = [0, 1, 2, Math.SQRT2, 3.5][trial % 5] as number;
      const capped = squaredDistanceTransform(mask, { maxDistance });
      const clipped = expected.map((d) =>
        Math.sqrt(d) <= maxDistance ? d : Number.POSITIVE_INFINITY,
      );
      expect(capped).toEqual(clipped);
    }
  });

  it('accepts 0/255 masks and rejects anything else', () => {
    const mask = maskOf(3, 3, [[2, 2]]);
    const d255 = squaredDistanceTransform({ ...mask, data: mask.data.map((v) => v * 255) });
    expect(d255).toEqual(squaredDistanceTransform(mask));
    expect(() => squaredDistanceTransform({ ...mask, data: new Uint8Array(9).fill(7) })).toThrow(
      'squaredDistanceTransform: mask.data[0] is 7, but a binary mask holds only 0 and 1 (or 0 and 255)',
    );
    expect(() => squaredDistanceTransform(mask, { maxDistance: -1 })).toThrow(
      'squaredDistanceTransform: options.maxDistance must be >= 0, got -1',
    );
  });
});
