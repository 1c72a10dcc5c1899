import type { SweepCounts } from './sweep';
import { thresholdIndex } from './threshold-bins';
import type { MatchCounts } from './types';

/** Options for {@link sweepCountsAt}. */
export interface SweepCountsAtOptions {
  /** One of the sweep thresholds k / 100 (k = 1..99), e.g. 0.5. Default 0.5. */
  threshold?: number;
}

/**
 * The counts of one threshold of a sweep: the same as binarising the probability map at
 * `threshold` and calling {@link tolerantScores}. Feed a list of them to {@link aggregateScores}.
 *
 * @throws RangeError when `threshold` is not one of 0.01, 0.02, ..., 0.99.
 */
export function sweepCountsAt(sweep: SweepCounts, options: SweepCountsAtOptions = {}): MatchCounts {
  const { threshold = 0.5 } = options;
  const k = thresholdIndex(threshold);
  if (k < 0) {
    throw new RangeError(
      `sweepCountsAt: threshold must be one of 0.01, 0.02, ..., 0.99, got ${threshold}`,
    );
  }
  return {
    tpPred: sweep.tpPred[k - 1] as number,
    pred: sweep.pred[k - 1] as number,
    tpGt: sweep.tpGt[k - 1] as number,
    gt: sweep.gt,
  };
}
