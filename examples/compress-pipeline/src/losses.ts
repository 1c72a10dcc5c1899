/**
 * The two training losses of the thesis, built from @crack/distill: the weighted sigmoid
 * cross-entropy on labels (eq 3-5), and that plus the sigmoid distillation hinge on cached teacher
 * logits (eq 4-4, 4-5), which reads packed [label, teacher logit] targets.
 */
import {
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

/** Eq 4-5: hard loss + softWeight * sigmoid distillation (a, b of eq 4-4). Needs packed targets. */
export function distilledLoss(config: PipelineConfig): LossFunction {
  const { alpha, beta, softWeight } = config.distill;
  return distillationLoss({
    hard: hardLoss(config),
    soft: sigmoidDistillation({ alpha, beta }),
    softWeight,
  });
}
