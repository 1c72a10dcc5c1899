import type { PixelData } from './types';

/** Number of sweep thresholds: k / 100 for k = 1..99. */
export const THRESHOLD_COUNT = 99;

/** `THRESHOLD_VALUES[k]` is the double `k / 100` (index 0 unused), as a user would write it. */
const THRESHOLD_VALUES = Float64Array.from({ length: THRESHOLD_COUNT + 1 }, (_, k) => k / 100);

/** The sweep thresholds, ascending: 0.01, 0.02, ..., 0.99. */
export function sweepThresholds(): number[] {
  return Array.from(THRESHOLD_VALUES.subarray(1));
}

/**
 * The bin of a probability: how many thresholds k / 100 it reaches (`p >= k / 100`), 0..99.
 * A pixel is positive at threshold k exactly when its bin is >= k. Starting from
 * `floor(p * 100)` and correcting against the same doubles `k / 100` makes the binning agree with
 * the plain comparison bit for bit (e.g. 0.29 * 100 is 28.999999999999996).
 */
export function binOf(p: number): number {
  let b = Math.floor(p * 100);
  if (b > THRESHOLD_COUNT) b = THRESHOLD_COUNT;
  else if (b < 0) b = 0;
  while (b < THRESHOLD_COUNT && p >= (THRESHOLD_VALUES[b + 1] as number)) b++;
  while (b > 0 && p < (THRESHOLD_VALUES[b] as number)) b--;
  return b;
}

/** Bins of the 256 8-bit values, read as `v / 255`. */
const BYTE_BINS = Uint8Array.from({ length: 256 }, (_, v) => binOf(v / 255));

/** Whether probabilities are stored as 8-bit values (read as v / 255). */
export function isByteData(data: PixelData): data is Uint8Array | Uint8ClampedArray {
  return data instanceof Uint8Array || data instanceof Uint8ClampedArray;
}

/** Writes the bin of every pixel into `out` and returns the histogram of bins (length 100). */
export function binProbabilities(data: PixelData, out: Uint8Array): Float64Array {
  const histogram = new Float64Array(THRESHOLD_COUNT + 1);
  const n = data.length;
  if (isByteData(data)) {
    for (let i = 0; i < n; i++) {
      const b = BYTE_BINS[data[i] as number] as number;
      out[i] = b;
      histogram[b]!++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const b = binOf(data[i] as number);
      out[i] = b;
      histogram[b]!++;
    }
  }
  return histogram;
}

/** The threshold index k (1..99) of a threshold value, or -1 when it is not one of k / 100. */
export function thresholdIndex(threshold: number): number {
  for (let k = 1; k <= THRESHOLD_COUNT; k++) if (THRESHOLD_VALUES[k] === threshold) return k;
  return -1;
}
