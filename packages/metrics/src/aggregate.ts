import { ratiosFromCounts, scoresFromCounts } from './scores';
import type { SweepCounts } from './sweep';
import { sweepThresholds, THRESHOLD_COUNT } from './threshold-bins';
import type { MatchCounts, Ratios, Scores } from './types';

function assertNotEmpty(fn: string, perImage: readonly unknown[]): void {
  if (!Array.isArray(perImage)) {
    throw new TypeError(`${fn}: perImage must be an array, got ${typeof perImage}`);
  }
  if (perImage.length === 0) {
    throw new RangeError(
      `${fn}: perImage is empty; a dataset of zero images has no score (score every image, counting a missing prediction as an empty one)`,
    );
  }
}

/** Scores of a dataset, both ways of averaging. */
export interface DatasetScores {
  /** Number of images. */
  images: number;
  /**
   * Micro average (the default): tpPred, pred, tpGt and gt summed over images, then the ratios.
   * Large, crack-rich images weigh more.
   */
  micro: Scores;
  /** Macro average: the mean of the per-image precision, recall and F1. Every image weighs the same. */
  macro: Ratios;
}

/**
 * Micro and macro scores of a dataset from per-image counts (e.g. {@link tolerantScores} of each
 * image).
 *
 * @example
 * ```ts
 * const perImage = pairs.map(({ pred, truth }) => tolerantScores(pred, truth));
 * const { micro, macro } = aggregateScores(perImage);
 * ```
 * @throws RangeError when `perImage` is empty: a dataset of zero images has no score (it used to
 *   report F1 = 1, which rewarded a run that produced nothing).
 */
export function aggregateScores(perImage: readonly MatchCounts[]): DatasetScores {
  assertNotEmpty('aggregateScores', perImage);
  const total = { tpPred: 0, pred: 0, tpGt: 0, gt: 0 };
  const macro = { precision: 0, recall: 0, f1: 0 };
  for (const counts of perImage) {
    total.tpPred += counts.tpPred;
    total.pred += counts.pred;
    total.tpGt += counts.tpGt;
    total.gt += counts.gt;
    const ratios = ratiosFromCounts(counts);
    macro.precision += ratios.precision;
    macro.recall += ratios.recall;
    macro.f1 += ratios.f1;
  }
  const images = perImage.length;
  return {
    images,
    micro: scoresFromCounts(total),
    macro: {
      precision: macro.precision / images,
      recall: macro.recall / images,
      f1: macro.f1 / images,
    },
  };
}

/** The best threshold of a dataset. */
export interface OptimalThreshold extends Ratios {
  /** The threshold (one of k / 100) with the highest micro F1; the lowest such on a tie. */
  threshold: number;
}

/** ODS, OIS and AP of a dataset, with the micro precision-recall curve they come from. */
export interface SweepSummary {
  /** Number of images. */
  images: number;
  /** The thresholds, ascending: 0.01 ... 0.99. */
  thresholds: number[];
  /** Micro precision at each threshold. */
  precision: number[];
  /** Micro recall at each threshold. */
  recall: number[];
  /** Micro F1 at each threshold. */
  f1: number[];
  /** Optimal dataset scale: the best micro F1 over thresholds, with its threshold, P and R. */
  ods: OptimalThreshold;
  /** Optimal image scale: the mean over images of each image's best F1. */
  ois: number;
  /**
   * Average precision: sum over ascending thresholds k of (R_k - R_{k+1}) * P_k, with
   * R_{K+1} = 0 (micro precision and recall).
   */
  ap: number;
}

/**
 * ODS, OIS and AP of a dataset from the per-image sweeps of {@link thresholdSweep}.
 *
 * @example
 * ```ts
 * const sweeps = pairs.map(({ probability, truth }) => thresholdSweep(probability, truth));
 * const { ods, ois, ap } = aggregateSweeps(sweeps);
 * ```
 * @throws RangeError when `perImage` is empty or a sweep does not have 99 thresholds.
 */
export function aggregateSweeps(perImage: readonly SweepCounts[]): SweepSummary {
  assertNotEmpty('aggregateSweeps', perImage);
  const tpPred = new Float64Array(THRESHOLD_COUNT);
  const pred = new Float64Array(THRESHOLD_COUNT);
  const tpGt = new Float64Array(THRESHOLD_COUNT);
  let gt = 0;
  let ois = 0;
  perImage.forEach((sweep, image) => {
    for (const field of ['tpPred', 'pred', 'tpGt'] as const) {
      if (sweep[field]?.length !== THRESHOLD_COUNT) {
        throw new RangeError(
          `aggregateSweeps: perImage[${image}].${field} must have ${THRESHOLD_COUNT} entries, got ${sweep[field]?.length}`,
        );
      }
    }
    let best = 0;
    for (let i = 0; i < THRESHOLD_COUNT; i++) {
      const counts = {
        tpPred: sweep.tpPred[i] as number,
        pred: sweep.pred[i] as number,
        tpGt: sweep.tpGt[i] as number,
        gt: sweep.gt,
      };
      tpPred[i]! += counts.tpPred;
      pred[i]! += counts.pred;
      tpGt[i]! += counts.tpGt;
      best = Math.max(best, ratiosFromCounts(counts).f1);
    }
    gt += sweep.gt;
    ois += best;
  });

  const thresholds = sweepThresholds();
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  let bestIndex = 0;
  for (let i = 0; i < THRESHOLD_COUNT; i++) {
    const ratios = ratiosFromCounts({
      tpPred: tpPred[i] as number,
      pred: pred[i] as number,
      tpGt: tpGt[i] as number,
      gt,
    });
    precision.push(ratios.precision);
    recall.push(ratios.recall);
    f1.push(ratios.f1);
    if (ratios.f1 > (f1[bestIndex] as number)) bestIndex = i;
  }
  let ap = 0;
  for (let i = 0; i < THRESHOLD_COUNT; i++) {
    const nextRecall = i + 1 < THRESHOLD_COUNT ? (recall[i + 1] as number) : 0;
    ap += ((recall[i] as number) - nextRecall) * (precision[i] as number);
  }
  return {
    images: perImage.length,
    thresholds,
    precision,
    recall,
    f1,
    ods: {
      threshold: thresholds[bestIndex] as number,
      precision: precision[bestIndex] as number,
      recall: recall[bestIndex] as number,
      f1: f1[bestIndex] as number,
    },
    ois: ois / perImage.length,
    ap,
  };
}
