// Independent, deliberately naive implementations the fast code is checked against.

import { mulberry32 } from '@crack/data';
import type { Mask, MatchCounts } from '../../src/types';

/** A seeded PRNG (mulberry32, from @crack/data), so random tests are reproducible. */
export const random = mulberry32;

/** A random 0/1 mask with the given crack density. */
export function randomMask(
  rand: () => number,
  width: number,
  height: number,
  density: number,
): Mask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rand() < density ? 1 : 0;
  return { data, width, height };
}

/** A mask from a list of [x, y] crack pixels. */
export function maskOf(width: number, height: number, pixels: Array<[number, number]>): Mask {
  const data = new Uint8Array(width * height);
  for (const [x, y] of pixels) data[y * width + x] = 1;
  return { data, width, height };
}

/** Squared distance to the nearest seed by trying every seed: O(pixels x seeds). */
export function bruteSquaredDistance(mask: Mask): Float64Array {
  const { data, width, height } = mask;
  const seeds: Array<[number, number]> = [];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (data[y * width + x]) seeds.push([x, y]);
  const out = new Float64Array(width * height).fill(Number.POSITIVE_INFINITY);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (const [sx, sy] of seeds) {
        const d = (x - sx) ** 2 + (y - sy) ** 2;
        if (d < (out[y * width + x] as number)) out[y * width + x] = d;
      }
    }
  }
  return out;
}

/** The definition of §5 read literally: for every pixel, look for a partner within `tolerance`. */
export function bruteCounts(pred: Mask, truth: Mask, tolerance: number): MatchCounts {
  const { width, height } = pred;
  const r = Math.ceil(tolerance);
  const hasNear = (mask: Mask, x: number, y: number) => {
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        if (mask.data[ny * width + nx] && Math.sqrt(dx * dx + dy * dy) <= tolerance) return true;
      }
    }
    return false;
  };
  const counts = { tpPred: 0, pred: 0, tpGt: 0, gt: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (pred.data[y * width + x]) {
        counts.pred++;
        if (hasNear(truth, x, y)) counts.tpPred++;
      }
      if (truth.data[y * width + x]) {
        counts.gt++;
        if (hasNear(pred, x, y)) counts.tpGt++;
      }
    }
  }
  return counts;
}
