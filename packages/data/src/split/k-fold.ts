import { mulberry32 } from '../random.js';

/** Options for {@link kFold}. */
export interface KFoldOptions {
  /** Shuffle the ids before splitting. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffle; the same seed gives the same folds. Default 0. */
  seed?: number;
}

/**
 * Splits ids into `k` folds for cross-validation: every id lands in exactly one fold, fold
 * sizes differ by at most one (larger folds first). Returns the test ids of each fold; use
 * {@link foldSplit} to get train/test for one fold. For CFD, the thesis's own assignment is
 * {@link THESIS_CFD_FOLDS} (20,20,20,20,20,18), which this balanced split does not reproduce.
 */
export function kFold(ids: readonly string[], k: number, options: KFoldOptions = {}): string[][] {
  const { shuffle = true, seed = 0 } = options;
  if (!Array.isArray(ids)) throw new TypeError('kFold: ids must be an array of strings');
  if (new Set(ids).size !== ids.length) throw new RangeError('kFold: ids must be unique');
  if (!Number.isInteger(k) || k < 2 || k > ids.length)
    throw new RangeError(
      `kFold: k must be an integer from 2 to ids.length (${ids.length}), got ${k}`,
    );
  if (!Number.isFinite(seed))
    throw new RangeError(`kFold: options.seed must be a finite number, got ${seed}`);
  const order = [...ids];
  if (shuffle) {
    const random = mulberry32(seed);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as string, order[i] as string];
    }
  }
  const base = Math.floor(order.length / k);
  const extra = order.length % k;
  const folds: string[][] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    folds.push(order.slice(start, start + size));
    start += size;
  }
  return folds;
}
