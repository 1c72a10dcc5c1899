import { squaredDistanceTransformInto } from './distance-transform';
import { rowDistances } from './row-distance';
import { scoresFromCounts } from './scores';
import { maxSquaredDistance } from './tolerance';
import type { Mask, MatchCounts, PixelData, Scores, ToleranceOptions } from './types';
import { assertImage, assertSameSize } from './validate';
import { distanceBuffer, rowDistanceBuffers } from './workspace';

/** Strict counts (tolerance 0), validating both masks in the same pass. */
function strictCounts(fn: string, pred: PixelData, truth: PixelData): MatchCounts {
  let predCount = 0;
  let gtCount = 0;
  let both = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] as number;
    const g = truth[i] as number;
    if (p !== 0) {
      predCount++;
      if (g !== 0) both++;
    }
    if (g !== 0) gtCount++;
    if ((p !== 0 && p !== 1 && p !== 255) || (g !== 0 && g !== 1 && g !== 255)) {
      const [name, v] = p !== 0 && p !== 1 && p !== 255 ? ['pred', p] : ['truth', g];
      throw new RangeError(
        `${fn}: ${name}.data[${i}] is ${v}, but a binary mask holds only 0 and 1 (or 0 and 255); binarize probabilities first`,
      );
    }
  }
  return { tpPred: both, pred: predCount, tpGt: both, gt: gtCount };
}

/**
 * Whether a seed lies within reach of (x, y), from the row distances of the seeds: the squared
 * distance is min over dy of dy^2 + rowDistance(y + dy)^2, the second pass of the separable
 * transform, evaluated at this one pixel. `reach[|dy|]` is maxSquared - dy^2.
 */
function seedWithin(
  rows: Int32Array,
  width: number,
  height: number,
  x: number,
  y: number,
  reach: Int32Array,
): boolean {
  let h = rows[y * width + x] as number;
  if (h * h <= (reach[0] as number)) return true;
  for (let dy = 1; dy < reach.length; dy++) {
    const limit = reach[dy] as number;
    if (y >= dy) {
      h = rows[(y - dy) * width + x] as number;
      if (h * h <= limit) return true;
    }
    if (y + dy < height) {
      h = rows[(y + dy) * width + x] as number;
      if (h * h <= limit) return true;
    }
  }
  return false;
}

/** Number of non-zero pixels of `of` within reach of a seed of `to`, by the full transform. */
function countNearByTransform(
  of: PixelData,
  to: PixelData,
  width: number,
  height: number,
  maxSquared: number,
): number {
  const n = width * height;
  const d2 = distanceBuffer(n);
  squaredDistanceTransformInto(to, width, height, maxSquared, d2);
  let count = 0;
  for (let i = 0; i < n; i++) if (of[i] !== 0 && (d2[i] as number) <= maxSquared) count++;
  return count;
}

/**
 * The counts behind tolerant precision and recall: `tpPred` predicted pixels within `maxSquared`
 * (squared px, an integer) of the truth, `tpGt` truth pixels within it of the prediction.
 * Validates mask values (sizes are the caller's job).
 *
 * Both sides need the distance to the other mask only at their own crack pixels, which are few.
 * So the exact transform is split in its two separable passes: row distances for every pixel
 * (linear), then the column minimum only at crack pixels, over the 2r+1 rows within reach. When
 * that would cost more than full transforms (large tolerance, dense masks), two full
 * linear-time transforms are used instead. Both ways are exact.
 */
export function matchCounts(
  fn: string,
  pred: PixelData,
  truth: PixelData,
  width: number,
  height: number,
  maxSquared: number,
): MatchCounts {
  if (maxSquared === 0) return strictCounts(fn, pred, truth);
  const n = width * height;
  const [predRows, truthRows] = rowDistanceBuffers(n);
  const predCount = rowDistances(fn, 'pred', pred, width, height, predRows);
  const gtCount = rowDistances(fn, 'truth', truth, width, height, truthRows);
  if (predCount === 0 || gtCount === 0) {
    return { tpPred: 0, pred: predCount, tpGt: 0, gt: gtCount };
  }
  const radius = Math.floor(Math.sqrt(maxSquared));
  if ((predCount + gtCount) * (2 * radius + 1) > 4 * n) {
    return {
      tpPred: countNearByTransform(pred, truth, width, height, maxSquared),
      pred: predCount,
      tpGt: countNearByTransform(truth, pred, width, height, maxSquared),
      gt: gtCount,
    };
  }
  const reach = Int32Array.from({ length: radius + 1 }, (_, dy) => maxSquared - dy * dy);
  let tpPred = 0;
  let tpGt = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (pred[i] !== 0 && seedWithin(truthRows, width, height, x, y, reach)) tpPred++;
      if (truth[i] !== 0 && seedWithin(predRows, width, height, x, y, reach)) tpGt++;
    }
  }
  return { tpPred, pred: predCount, tpGt, gt: gtCount };
}

/**
 * Precision, recall and F1 on the crack class of one predicted mask against its ground truth,
 * with a pixel tolerance (thesis §5): a predicted crack pixel is correct when a ground-truth crack
 * pixel lies within `tolerance` px (Euclidean), and a ground-truth pixel is found when a predicted
 * pixel lies within `tolerance` px. `tolerance: 0` gives the strict scores.
 *
 * Exact for any tolerance: distances are exact Euclidean ones (the separable
 * Felzenszwalb-Huttenlocher transform), never a chamfer approximation.
 *
 * @example
 * ```ts
 * const { precision, recall, f1 } = tolerantScores(pred, truth); // 2 px tolerance
 * const strict = tolerantScores(pred, truth, { tolerance: 0 });
 * ```
 * @throws RangeError when the masks differ in size, `data` does not fit `width*height`, a mask
 * holds values other than 0/1/255, or `tolerance` is negative or not finite.
 */
export function tolerantScores(pred: Mask, truth: Mask, options: ToleranceOptions = {}): Scores {
  const fn = 'tolerantScores';
  const { tolerance = 2 } = options;
  const maxSquared = maxSquaredDistance(fn, tolerance);
  assertImage(fn, 'pred', pred);
  assertImage(fn, 'truth', truth);
  assertSameSize(fn, 'pred', pred, 'truth', truth);
  return scoresFromCounts(
    matchCounts(fn, pred.data, truth.data, pred.width, pred.height, maxSquared),
  );
}
