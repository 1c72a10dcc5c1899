import type { PixelData } from './types';

/** A distance larger than any image side, standing for "no seed in this row". */
export const FAR = 0x3fffffff;

/**
 * Writes into `out` the distance along its row from every pixel to the nearest non-zero pixel
 * of `seeds` in the same row (`FAR` when the row has none), and returns the number of non-zero
 * pixels. This is the first, one-dimensional pass of the separable Euclidean distance transform.
 *
 * Checks on the way that every value is 0, 1 or 255 and throws a RangeError naming `fn` and
 * `name` otherwise, so validating a mask costs no extra pass.
 */
export function rowDistances(
  fn: string,
  name: string,
  seeds: PixelData,
  width: number,
  height: number,
  out: Int32Array,
): number {
  let count = 0;
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let last = -FAR;
    for (let x = 0; x < width; x++) {
      const v = seeds[base + x] as number;
      if (v !== 0) {
        if (v !== 1 && v !== 255) {
          throw new RangeError(
            `${fn}: ${name}.data[${base + x}] is ${v}, but a binary mask holds only 0 and 1 (or 0 and 255); binarize probabilities first`,
          );
        }
        last = x;
        count++;
      }
      out[base + x] = Math.min(x - last, FAR);
    }
    if (last === -FAR) continue; // no seed in the row: every entry is already FAR
    let next = FAR;
    for (let x = last; x >= 0; x--) {
      if (seeds[base + x] !== 0) next = x;
      const d = next - x;
      if (d < (out[base + x] as number)) out[base + x] = d;
    }
  }
  return count;
}
