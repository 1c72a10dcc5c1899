import { describe, expect, it } from 'vitest';
import { measureCracks } from '../src/index';

/** A line with round ends: pixels within width / 2 of a segment of `length` at `angle` degrees. */
function drawLine(
  mask: Uint8Array,
  imageWidth: number,
  center: [number, number],
  length: number,
  width: number,
  angle: number,
) {
  const ux = Math.cos((angle * Math.PI) / 180);
  const uy = Math.sin((angle * Math.PI) / 180);
  const imageHeight = mask.length / imageWidth;
  for (let y = 0; y < imageHeight; y++) {
    for (let x = 0; x < imageWidth; x++) {
      const dx = x - center[0];
      const dy = y - center[1];
      const along = dx * ux + dy * uy;
      const across = -dx * uy + dy * ux;
      const beyond = along - Math.max(-length / 2, Math.min(length / 2, along));
      if (beyond * beyond + across * across < (width / 2) ** 2) mask[y * imageWidth + x] = 1;
    }
  }
}

describe('measureCracks', () => {
  it('measures drawn lines of known length and width 1-9 px at 8 angles', () => {
    const errors = { length: [] as number[], mean: [] as number[], max: [] as number[] };
    for (const angle of [0, 10, 17, 30, 45, 60, 73, 90]) {
      for (let width = 1; width <= 9; width++) {
        const mask = new Uint8Array(240 * 240);
        drawLine(mask, 240, [120.3, 119.7], 150, width, angle);
        const { cracks, total } = measureCracks(mask, 240, 240);
        expect(cracks).toHaveLength(1);
        const crack = cracks[0]!;
        // Tip to tip: the segment plus the two round caps.
        errors.length.push(crack.lengthPx - (150 + width));
        errors.mean.push(crack.meanWidthPx - width);
        errors.max.push(crack.maxWidthPx - width);
        expect(total.lengthPx).toBe(crack.lengthPx);
        expect(total.areaPx).toBe(crack.pixels);
      }
    }
    const range = (xs: number[]) => [Math.min(...xs), Math.max(...xs)];
    // The documented error bounds (README "Measurements").
    const [lengthLow, lengthHigh] = range(errors.length);
    expect(lengthLow).toBeGreaterThanOrEqual(-5);
    expect(lengthHigh).toBeLessThanOrEqual(1.5);
    expect(Math.max(...errors.mean.map(Math.abs))).toBeLessThanOrEqual(0.55);
    const [maxLow, maxHigh] = range(errors.max);
    expect(maxLow).toBeGreaterThanOrEqual(-1.55);
    expect(maxHigh).toBeLessThanOrEqual(0.55); // max width is at least the mean width
  });

  it('is exact on axis-aligned 1-px lines and odd widths', () => {
    const mask = new Uint8Array(100 * 50);
    for (let x = 10; x < 90; x++) mask[20 * 100 + x] = 1; // 80 px long, 1 px wide
    for (let y = 30; y < 35; y++) for (let x = 20; x < 60; x++) mask[y * 100 + x] = 1; // 40x5
    const { cracks } = measureCracks(mask, 100, 50);
    expect(cracks).toHaveLength(2);
    expect(cracks[0]).toMatchObject({
      id: 1,
      pixels: 80,
      bbox: { x: 10, y: 20, width: 80, height: 1 },
    });
    expect(cracks[0]!.maxWidthPx).toBeCloseTo(1, 1);
    expect(cracks[0]!.lengthPx).toBeCloseTo(80 * 0.98 + 0.02, 1); // 79 steps of 0.98 + two ends
    expect(cracks[1]!.maxWidthPx).toBeCloseTo(5, 0);
    expect(cracks[1]!.bbox).toEqual({ x: 20, y: 30, width: 40, height: 5 });
  });

  it('separates 8-connected cracks, adds up totals, converts to mm, drops small ones', () => {
    const mask = new Uint8Array(60 * 60);
    for (let i = 5; i < 55; i++) mask[i * 60 + i] = 1; // a diagonal, 8-connected
    for (let x = 5; x < 45; x++) mask[57 * 60 + x + 10] = 255; // 0/255 masks are fine too
    mask[2 * 60 + 50] = 1; // a speck
    const all = measureCracks(mask, 60, 60);
    expect(all.cracks.map((c) => c.pixels)).toEqual([1, 50, 40]);
    const { cracks, total, mmPerPixel } = measureCracks(mask, 60, 60, {
      mmPerPixel: 0.5,
      minPixels: 2,
    });
    expect(mmPerPixel).toBe(0.5);
    expect(cracks.map((c) => c.id)).toEqual([1, 2]);
    expect(cracks[0]!.lengthPx).toBeCloseTo(49 * 1.406 + 1, 1);
    expect(cracks[0]!.lengthMm).toBeCloseTo(cracks[0]!.lengthPx / 2, 10);
    expect(cracks[0]!.areaMm2).toBeCloseTo(50 / 4, 10);
    expect(total.count).toBe(2);
    expect(total.areaPx).toBe(90);
    expect(total.lengthPx).toBeCloseTo(cracks[0]!.lengthPx + cracks[1]!.lengthPx, 10);
    expect(total.lengthMm).toBeCloseTo(total.lengthPx / 2, 10);
    expect(total.areaFraction).toBeCloseTo(90 / 3600, 10);
  });

  it('a junction: the skeleton length is the sum of the arms', () => {
    const mask = new Uint8Array(101 * 101);
    for (let i = 10; i <= 90; i++) {
      for (let t = -1; t <= 1; t++) {
        mask[50 * 101 + i + t * 101] = 1; // horizontal, 3 px wide
        mask[i * 101 + 50 + t] = 1; // vertical, 3 px wide
      }
    }
    const { cracks } = measureCracks(mask, 101, 101);
    expect(cracks).toHaveLength(1);
    expect(cracks[0]!.lengthPx).toBeGreaterThan(2 * 81 - 8);
    expect(cracks[0]!.lengthPx).toBeLessThan(2 * 81 + 2);
    expect(cracks[0]!.meanWidthPx).toBeCloseTo(3, 0);
    expect(cracks[0]!.maxWidthPx).toBeLessThan(5); // the crossing is wider than the arms
  });

  it('handles empty masks, blobs thinning would erase, cracks on the image border', () => {
    expect(measureCracks(new Uint8Array(12), 4, 3)).toEqual({
      cracks: [],
      total: { count: 0, lengthPx: 0, areaPx: 0, meanWidthPx: 0, maxWidthPx: 0, areaFraction: 0 },
    });
    const square = new Uint8Array(16);
    for (const i of [5, 6, 9, 10]) square[i] = 1;
    const [blob] = measureCracks(square, 4, 4).cracks;
    expect(blob!.pixels).toBe(4);
    expect(blob!.lengthPx).toBeGreaterThan(0);
    const full = measureCracks(new Uint8Array(9).fill(1), 3, 3);
    expect(full.cracks[0]!.maxWidthPx).toBeCloseTo(3, 5);
  });

  it('rejects bad arguments naming the field', () => {
    expect(() => measureCracks(new Uint8Array(5), 2, 2)).toThrow(
      'measureCracks: mask must have width*height = 4 values, got 5',
    );
    expect(() => measureCracks(new Uint8Array(4), 2, 2, { mmPerPixel: 0 })).toThrow(
      'measureCracks: options.mmPerPixel must be a finite number > 0, got 0',
    );
    expect(() => measureCracks(new Uint8Array(4), 2, 2, { minPixels: 0 })).toThrow(
      /options\.minPixels must be an integer >= 1/,
    );
    expect(() => measureCracks(new Uint8Array(0), 0, 0)).toThrow(
      /width must be a positive integer/,
    );
  });
});
