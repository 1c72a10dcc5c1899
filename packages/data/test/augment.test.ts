import { describe, expect, it } from 'vitest';
import { augmentSample, type Sample, type SampleTransform, transformSample } from '../src/index.js';

/**
 * An asymmetric 3x2 sample whose pixel (x, y) carries its own index i = y * 3 + x in every
 * plane: image (i, 10 + i, 20 + i), mask (i odd), side (i / 2 - 1). Where a value lands shows
 * exactly where the pixel went.
 */
function indexed(width = 3, height = 2): Sample {
  const count = width * height;
  const image = new Uint8Array(count * 3);
  const mask = new Uint8Array(count);
  const side = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    image.set([i, 10 + i, 20 + i], i * 3);
    mask[i] = i % 2;
    side[i] = i / 2 - 1;
  }
  return {
    id: 'fixture',
    image: { data: image, width, height, channels: 3 },
    mask,
    width,
    height,
    side,
  };
}

/** Source index of every output pixel, read from the red channel; checks the planes agree. */
function sources(sample: Sample): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < sample.height; y++) {
    const row: number[] = [];
    for (let x = 0; x < sample.width; x++) {
      const p = y * sample.width + x;
      const i = sample.image.data[p * 3] as number;
      expect(sample.image.data[p * 3 + 1]).toBe(10 + i);
      expect(sample.image.data[p * 3 + 2]).toBe(20 + i);
      expect(sample.mask[p]).toBe(i % 2);
      expect(sample.side?.[p]).toBe(i / 2 - 1);
      row.push(i);
    }
    rows.push(row);
  }
  return rows;
}

describe('transformSample', () => {
  // The fixture as a grid:  0 1 2
  //                          3 4 5
  const cases: [SampleTransform, number[][]][] = [
    [
      {},
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
    ],
    [
      { flipHorizontal: true },
      [
        [2, 1, 0],
        [5, 4, 3],
      ],
    ],
    [
      { flipVertical: true },
      [
        [3, 4, 5],
        [0, 1, 2],
      ],
    ],
    [
      { rotate: 90 },
      [
        [3, 0],
        [4, 1],
        [5, 2],
      ],
    ],
    [
      { rotate: 180 },
      [
        [5, 4, 3],
        [2, 1, 0],
      ],
    ],
    [
      { rotate: 270 },
      [
        [2, 5],
        [1, 4],
        [0, 3],
      ],
    ],
    [
      { crop: { x: 1, y: 0, width: 2, height: 2 } },
      [
        [1, 2],
        [4, 5],
      ],
    ],
    [
      { crop: { x: 1, y: 0, width: 2, height: 2 }, flipHorizontal: true, rotate: 90 },
      [
        [5, 2],
        [4, 1],
      ],
    ],
    [
      { flipHorizontal: true, flipVertical: true },
      [
        [5, 4, 3],
        [2, 1, 0],
      ],
    ],
  ];
  for (const [transform, expected] of cases) {
    it(`maps image, mask and side identically: ${JSON.stringify(transform)}`, () => {
      const out = transformSample(indexed(), transform);
      expect([out.width, out.height]).toEqual([expected[0]?.length, expected.length]);
      expect([out.image.width, out.image.height]).toEqual([out.width, out.height]);
      expect(sources(out)).toEqual(expected);
    });
  }

  it('changes only the image with brightness and contrast', () => {
    const input = indexed();
    const out = transformSample(input, { brightness: 10, contrast: 0.5 });
    expect(out.image.data[0]).toBe(74); // (0 - 127.5) * 0.5 + 127.5 + 10 = 73.75
    expect(out.image.data[3 * 5 + 2]).toBe(86); // (25 - 127.5) * 0.5 + 137.5 = 86.25
    expect(transformSample(input, { contrast: 3 }).image.data[0]).toBe(0); // clamped
    expect(Array.from(out.mask)).toEqual(Array.from(input.mask));
    expect(Array.from(out.side ?? [])).toEqual(Array.from(input.side ?? []));
  });

  it('names the bad field', () => {
    expect(() => transformSample(indexed(), { crop: { x: 2, y: 0, width: 2, height: 2 } })).toThrow(
      /transformSample: transform\.crop must be an integer rectangle inside 3x2/,
    );
    expect(() => transformSample(indexed(), { rotate: 45 as 90 })).toThrow(
      /transform\.rotate must be 0, 90, 180 or 270/,
    );
  });
});

describe('augmentSample', () => {
  it('is seeded and keeps image, mask and side aligned', () => {
    const input = indexed(5, 4);
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const a = augmentSample(input, {
        seed,
        crop: { width: 3, height: 3 },
        brightness: 0,
        contrast: 0,
      });
      const b = augmentSample(input, {
        seed,
        crop: { width: 3, height: 3 },
        brightness: 0,
        contrast: 0,
      });
      expect(a).toEqual(b);
      expect([a.width, a.height]).toEqual([3, 3]);
      const grid = sources(a);
      seen.add(JSON.stringify(grid));
      // Neighbours stay neighbours: the result is a rigid motion of a 3x3 window.
      const flat = grid.flat();
      expect(new Set(flat).size).toBe(9);
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it("rotate 'keep-shape' never swaps width and height of a non-square sample", () => {
    for (let seed = 0; seed < 30; seed++) {
      const out = augmentSample(indexed(), { seed, rotate: 'keep-shape' });
      expect([out.width, out.height]).toEqual([3, 2]);
    }
  });
});
