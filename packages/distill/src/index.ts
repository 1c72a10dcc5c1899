export {
  decodeFloat16,
  encodeFloat16,
  float16BitsToFloat32,
  float32ToFloat16Bits,
} from '@crack/data';
export type { BinaryKnowledgeDistillationOptions } from './binary-knowledge-distillation';
export {
  binaryKnowledgeDistillation,
  binaryKnowledgeDistillationLoss,
} from './binary-knowledge-distillation';
export type { DistillationLossOptions } from './distillation-loss';
export { distillationLoss } from './distillation-loss';
export type { HintonDistillationOptions } from './hinton-distillation';
export { hintonDistillation, hintonDistillationLoss } from './hinton-distillation';
export type { LossFunction } from './loss-function';
export type { UnpackedTargets } from './packed-targets';
export { PACKED_TARGET_CHANNELS, packTargets, unpackTargets } from './packed-targets';
export type { SigmoidDistillationOptions } from './sigmoid-distillation';
export { sigmoidDistillation, sigmoidDistillationLoss } from './sigmoid-distillation';
export type { SparseCategoricalCrossEntropyOptions } from './sparse-categorical-cross-entropy';
export {
  sparseCategoricalCrossEntropy,
  sparseCategoricalCrossEntropyLoss,
} from './sparse-categorical-cross-entropy';
export type { WeightedSigmoidCrossEntropyOptions } from './weighted-sigmoid-cross-entropy';
export {
  weightedSigmoidCrossEntropy,
  weightedSigmoidCrossEntropyLoss,
} from './weighted-sigmoid-cross-entropy';
