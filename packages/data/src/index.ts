// @crack/data: browser-safe and TensorFlow-free at import time. Codecs are in
// @crack/data/image, file system and download helpers in @crack/data/node; toTfDataset loads
// TensorFlow.js only when called.
export { type AugmentOptions, augmentSample, randomTransform } from './augment/augment-sample.js';
export {
  type CropRect,
  type Rotation,
  type SampleTransform,
  transformSample,
} from './augment/transform-sample.js';
export {
  CFD_IDS,
  CFD_LABEL_ISSUES,
  type CfdLabelIssue,
  type FoldsFile,
  THESIS_CFD_FOLDS,
  thesisFoldsFile,
} from './cfd/cfd-folds.js';
export { CFD_BASE_URL } from './cfd/cfd-source.js';
export { type DecodedSeg, type DecodeSegOptions, decodeSeg } from './cfd/decode-seg.js';
export {
  decodeFloat16,
  encodeFloat16,
  FLOAT16_MAX,
  float16BitsToFloat32,
  float32ToFloat16Bits,
} from './float16.js';
export type { DecodedImage } from './image/decoded-image.js';
export { normalizePixels } from './normalize-pixels.js';
export { mixSeed, mulberry32, type Random } from './random.js';
export { assertSample, binarizeMask, type Sample, type SampleSource } from './sample.js';
export { type FoldSplit, foldSplit } from './split/fold-split.js';
export { type KFoldOptions, kFold } from './split/k-fold.js';
export {
  type SyntheticCrackOptions,
  type SyntheticCracksOptions,
  syntheticCrack,
  syntheticCracks,
} from './synthetic/synthetic-cracks.js';
export { type TfBatch, type TfDatasetOptions, toTfDataset } from './tf/to-tf-dataset.js';
