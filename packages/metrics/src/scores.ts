import type { MatchCounts, Ratios, Scores } from './types';

/** `numerator / denominator`, with the thesis's convention that 0/0 is a perfect 1. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 1 : numerator / denominator;
}

/** Precision, recall and F1 from the four counts (eq 3-6..3-8); 0/0 ratios are 1. */
export function ratiosFromCounts(counts: MatchCounts): Ratios {
  const precision = ratio(counts.tpPred, counts.pred);
  const recall = ratio(counts.tpGt, counts.gt);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * Precision, recall and F1 together with the counts. Use it on counts summed over images for
 * micro scores.
 */
export function scoresFromCounts(counts: MatchCounts): Scores {
  const { tpPred, pred, tpGt, gt } = counts;
  return { ...ratiosFromCounts(counts), tpPred, pred, tpGt, gt };
}
