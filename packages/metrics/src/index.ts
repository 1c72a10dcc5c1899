export {
  aggregateScores,
  aggregateSweeps,
  type DatasetScores,
  type OptimalThreshold,
  type SweepSummary,
} from './aggregate';
export { type BinarizeOptions, binarize } from './binarize';
export { type DistanceTransformOptions, squaredDistanceTransform } from './distance-transform';
export { fromTensor, type TensorLike } from './from-tensor';
export {
  type ClassData,
  type ClassMap,
  classIoU,
  confusionMatrix,
  type IoUOptions,
  type IoUScores,
  iouFromConfusion,
  meanIoU,
} from './iou';
export { ratiosFromCounts, scoresFromCounts } from './scores';
export { type SweepCounts, thresholdSweep } from './sweep';
export { type SweepCountsAtOptions, sweepCountsAt } from './sweep-counts-at';
export { sweepThresholds } from './threshold-bins';
export { tolerantScores } from './tolerant-match';
export type {
  Mask,
  MatchCounts,
  PixelData,
  ProbabilityMap,
  Ratios,
  Scores,
  ToleranceOptions,
} from './types';
