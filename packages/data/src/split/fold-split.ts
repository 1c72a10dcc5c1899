/** Train and test ids of one cross-validation fold. */
export interface FoldSplit {
  /** Ids of every other fold, in fold order. */
  train: string[];
  /** Ids of the held-out fold. */
  test: string[];
}

/**
 * Train/test ids for fold `index` of `folds` (from {@link kFold}, {@link THESIS_CFD_FOLDS} or a
 * `folds.json`): test on that fold, train on the rest.
 */
export function foldSplit(folds: readonly (readonly string[])[], index: number): FoldSplit {
  if (!Array.isArray(folds) || folds.length < 2)
    throw new RangeError(
      `foldSplit: folds must be an array of at least 2 folds, got ${folds?.length}`,
    );
  if (!Number.isInteger(index) || index < 0 || index >= folds.length)
    throw new RangeError(
      `foldSplit: index must be an integer from 0 to ${folds.length - 1}, got ${index}`,
    );
  return {
    train: folds.flatMap((fold, f) => (f === index ? [] : [...fold])),
    test: [...(folds[index] as readonly string[])],
  };
}
