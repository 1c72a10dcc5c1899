/** The 118 CrackForest image ids, `"001"` to `"118"`. */
export const CFD_IDS: readonly string[] = Object.freeze(
  Array.from({ length: 118 }, (_, i) => String(i + 1).padStart(3, '0')),
);

/**
 * The reference thesis's 6 cross-validation folds of CFD, in image-id order: five folds of 20
 * images and one of 18 (001-020, 021-040, 041-060, 061-080, 081-100, 101-118). Train on five,
 * test on the sixth, average over the six. The same assignment `downloadCfd` writes to
 * `folds.json`.
 */
export const THESIS_CFD_FOLDS: readonly (readonly string[])[] = Object.freeze(
  [0, 20, 40, 60, 80, 100].map((start) => Object.freeze(CFD_IDS.slice(start, start + 20))),
);

/** The content of a `folds.json` file: test ids of each fold. */
export interface FoldsFile {
  /** What the folds are, for people. */
  description: string;
  /** Fold `i` lists the ids tested in fold `i`; every id appears in exactly one fold. */
  folds: string[][];
}

/**
 * The thesis folds restricted to `ids` (for a partial download), as written to `folds.json`.
 * Folds that end up empty are kept, so fold numbers stay the thesis's.
 */
export function thesisFoldsFile(ids: readonly string[] = CFD_IDS): FoldsFile {
  const wanted = new Set(ids);
  return {
    description:
      '6 folds in image-id order as in the reference thesis (5 folds of 20 images, 1 fold of 18)',
    folds: THESIS_CFD_FOLDS.map((fold) => fold.filter((id) => wanted.has(id))),
  };
}

/** A known annotation error of CFD as published. */
export interface CfdLabelIssue {
  /** The image id, e.g. `"042"`. */
  id: string;
  /** What is wrong with its mask. */
  problem: string;
}

/**
 * Annotation errors in CFD as published, found by this project (docs/reproduction.md). Mask
 * `042` is pixel for pixel the mask of image `065`: it marks a vertical crack where photo 042 has
 * a horizontal one, so every model scores 0 on it and it costs fold 2 about 0.02 F1. The thesis
 * folds keep these images (so scores compare with the thesis's); to leave them out of your own
 * training or scoring, filter by `CFD_LABEL_ISSUES.map((issue) => issue.id)`.
 */
export const CFD_LABEL_ISSUES: readonly CfdLabelIssue[] = Object.freeze([
  Object.freeze({
    id: '042',
    problem: 'its mask is the mask of image 065 (identical pixels), not of this photo',
  }),
]);
