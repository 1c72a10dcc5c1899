/**
 * The two training losses of the thesis, built from @crack/distill: the weighted sigmoid
 * cross-entropy on labels (eq 3-5), and that plus the sigmoid distillation hinge on cached teacher
 * logits (eq 4-4, 4-5), which reads packed [label, teacher logit] targets.
 */
import {
  binaryKnowledgeDistillation,
  distillationLoss,
  type LossFunction,
  sigmoidDistillation,
  weightedSigmoidCrossEntropy,
} from '@crack/distill';
import type { PipelineConfig } from './config';

/** Eq 3-5 with the configured background weight. */
export function hardLoss(config: PipelineConfig): LossFunction {
  return weightedSigmoidCrossEntropy({ negativeWeight: config.training.negativeWeight });
}

/** The configured distillation term: eq 4-4 (optionally with a margin or in probability space) or binary KD. */
export function softLoss(config: PipelineConfig): LossFunction {
  const { alpha, beta, loss, margin, space, temperature } = config.distill;
  if (loss === 'kd') return binaryKnowledgeDistillation({ temperature });
  return sigmoidDistillation({
    alpha,
    beta,
    space,
    ...(margin === null ? {} : { margin }),
  });
}

/**
 * Eq 4-5: hard loss + weight * distillation term. Needs packed targets. `progress`, when given,
 * returns the training progress in epochs, and the weight rises linearly from 0 to softWeight
 * over `warmupEpochs` of it.
 */
export function distilledLoss(config: PipelineConfig, progress?: () => number): LossFunction {
  const { softWeight, warmupEpochs } = config.distill;
  const weight =
    warmupEpochs > 0 && progress
      ? () => softWeight * Math.min(1, progress() / warmupEpochs)
      : softWeight;
  return distillationLoss({ hard: hardLoss(config), soft: softLoss(config), softWeight: weight });
}
