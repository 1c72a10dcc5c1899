/** Pixel storage accepted for masks and probability maps (row-major, one value per pixel). */
export type PixelData = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array;

/**
 * A binary crack mask: `data[y * width + x]` is 0 (background) or 1 or 255 (crack), the two
 * conventions of the project (0/1 from code, 0/255 from image files). Any other value is an error;
 * turn probabilities into a mask with {@link binarize}.
 */
export interface Mask {
  /** One value per pixel, row-major, length `width * height`. */
  data: PixelData;
  /** Width in pixels (a positive integer). */
  width: number;
  /** Height in pixels (a positive integer). */
  height: number;
}

/**
 * A crack probability map: `Float32Array`/`Float64Array` values in [0, 1], or 8-bit values
 * (`Uint8Array`/`Uint8ClampedArray`) read as `v / 255`. NaN or values outside [0, 1] are errors.
 */
export interface ProbabilityMap {
  /** One probability per pixel, row-major, length `width * height`. */
  data: PixelData;
  /** Width in pixels (a positive integer). */
  width: number;
  /** Height in pixels (a positive integer). */
  height: number;
}

/** The four counts behind precision and recall of one image (or summed over images). */
export interface MatchCounts {
  /** Predicted crack pixels within the tolerance of a ground-truth crack pixel. */
  tpPred: number;
  /** Predicted crack pixels, |P|. */
  pred: number;
  /** Ground-truth crack pixels within the tolerance of a predicted crack pixel. */
  tpGt: number;
  /** Ground-truth crack pixels, |G|. */
  gt: number;
}

/** Precision, recall and F1 on the crack class. */
export interface Ratios {
  /** tpPred / pred; 1 when nothing is predicted. */
  precision: number;
  /** tpGt / gt; 1 when there is no crack in the ground truth. */
  recall: number;
  /** 2PR / (P + R); 0 when P + R = 0. */
  f1: number;
}

/** Precision, recall and F1 with the counts they come from. */
export interface Scores extends Ratios, MatchCounts {}

/** Options shared by every tolerant comparison. */
export interface ToleranceOptions {
  /**
   * Match radius in pixels (Euclidean), finite and >= 0. Default 2, the thesis's tolerance.
   * A pixel at distance d matches when `Math.sqrt(d * d) <= tolerance`, so `Math.sqrt(5)`
   * includes the knight's-move neighbours exactly, whatever the rounding of `tolerance ** 2`.
   * 0 is ordinary pixel counting.
   */
  tolerance?: number;
}
