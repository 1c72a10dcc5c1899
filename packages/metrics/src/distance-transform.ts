import { maxSquaredDistance } from './tolerance';
import type { Mask, PixelData } from './types';
import { assertBinaryMask } from './validate';

/** Options for {@link squaredDistanceTransform}. */
export interface DistanceTransformOptions {
  /**
   * Only distances up to this many pixels are needed. Larger distances come back as `Infinity`;
   * every distance up to it is still exact, and the transform gets much faster when seeds are
   * sparse (cracks are). Default `Infinity`: the full transform.
   */
  maxDistance?: number;
}

/** Scratch buffers reused across calls, so a transform allocates only when the size grows. */
interface Scratch {
  above: Int32Array;
  below: Int32Array;
  parabolaAt: Int32Array;
  parabolaValue: Float64Array;
  boundary: Float64Array;
}
let scratch: Scratch | undefined;
function scratchFor(width: number): Scratch {
  if (!scratch || scratch.above.length < width) {
    scratch = {
      above: new Int32Array(width),
      below: new Int32Array(width),
      parabolaAt: new Int32Array(width),
      parabolaValue: new Float64Array(width),
      boundary: new Float64Array(width + 1),
    };
  }
  return scratch;
}

const FAR = 0x3fffffff;

/**
 * Writes into `out` the squared Euclidean distance from every pixel to the nearest non-zero pixel
 * of `seeds` (0 on seeds; `Infinity` beyond `maxSquared` or when there is no seed).
 *
 * Felzenszwalb & Huttenlocher (2012), "Distance transforms of sampled functions": exact and linear
 * in the number of pixels. The column pass is done row by row for all columns at once (two scans,
 * cache-friendly); the row pass computes the lower envelope of the parabolas
 * `(x - q)^2 + f(q)`. Parabolas with `f(q) > maxSquared` cannot give a distance within the cap,
 * so they are left out, which makes rows far from any seed cost one scan.
 */
export function squaredDistanceTransformInto(
  seeds: PixelData,
  width: number,
  height: number,
  maxSquared: number,
  out: Float64Array,
): void {
  const { above, below, parabolaAt, parabolaValue, boundary } = scratchFor(width);
  // Column pass: vertical distance to the nearest seed above (stored in `out`), then below.
  above.fill(FAR, 0, width);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const d = seeds[i] !== 0 ? 0 : (above[x] as number) + 1;
      above[x] = Math.min(d, FAR);
      out[i] = above[x] as number;
    }
  }
  below.fill(FAR, 0, width);
  for (let y = height - 1; y >= 0; y--) {
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const i = base + x;
      const d = seeds[i] !== 0 ? 0 : (below[x] as number) + 1;
      below[x] = Math.min(d, FAR);
      const vertical = Math.min(out[i] as number, d);
      const squared = vertical * vertical;
      out[i] = vertical >= FAR || squared > maxSquared ? Number.POSITIVE_INFINITY : squared;
    }
  }
  // Row pass: lower envelope of parabolas rooted at the finite column distances.
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let k = -1;
    for (let q = 0; q < width; q++) {
      const fq = out[base + q] as number;
      if (fq === Number.POSITIVE_INFINITY) continue;
      if (k < 0) {
        k = 0;
        parabolaAt[0] = q;
        parabolaValue[0] = fq;
        boundary[0] = Number.NEGATIVE_INFINITY;
        boundary[1] = Number.POSITIVE_INFINITY;
        continue;
      }
      let s = 0;
      for (;;) {
        const p = parabolaAt[k] as number;
        s = (fq + q * q - ((parabolaValue[k] as number) + p * p)) / (2 * (q - p));
        if (s <= (boundary[k] as number)) k--;
        else break;
      }
      k++;
      parabolaAt[k] = q;
      parabolaValue[k] = fq;
      boundary[k] = s;
      boundary[k + 1] = Number.POSITIVE_INFINITY;
    }
    if (k < 0) continue; // no seed within reach: the row is already all Infinity
    for (let q = 0, j = 0; q < width; q++) {
      while ((boundary[j + 1] as number) < q) j++;
      const dx = q - (parabolaAt[j] as number);
      const d = dx * dx + (parabolaValue[j] as number);
      out[base + q] = d > maxSquared ? Number.POSITIVE_INFINITY : d;
    }
  }
}

/**
 * Exact squared Euclidean distance from every pixel to the nearest crack pixel of `mask`, in
 * linear time (Felzenszwalb-Huttenlocher). Crack pixels get 0; if the mask has no crack pixel,
 * every entry is `Infinity`.
 *
 * @example
 * ```ts
 * const d2 = squaredDistanceTransform({ data, width, height });
 * const near = d2[y * width + x] <= 4; // within 2 px of a crack
 * ```
 */
export function squaredDistanceTransform(
  mask: Mask,
  options: DistanceTransformOptions = {},
): Float64Array {
  const fn = 'squaredDistanceTransform';
  assertBinaryMask(fn, 'mask', mask);
  const { maxDistance = Number.POSITIVE_INFINITY } = options;
  if (typeof maxDistance !== 'number' || !(maxDistance >= 0)) {
    throw new RangeError(`${fn}: options.maxDistance must be >= 0, got ${maxDistance}`);
  }
  const maxSquared =
    maxDistance === Number.POSITIVE_INFINITY ? maxDistance : maxSquaredDistance(fn, maxDistance);
  const out = new Float64Array(mask.width * mask.height);
  squaredDistanceTransformInto(mask.data, mask.width, mask.height, maxSquared, out);
  return out;
}
