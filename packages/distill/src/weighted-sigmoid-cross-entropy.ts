import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { resolveTargets } from './packed-targets';
import { assertNonNegative, assertSameShape } from './validate';

/** Options for {@link weightedSigmoidCrossEntropy}. */
export interface WeightedSigmoidCrossEntropyOptions {
  /**
   * Weight of background (label 0) pixels, the thesis's alpha in eq 3-5. Larger values trade
   * recall for precision. Default 0.7, the thesis's choice. Must be finite and >= 0.
   */
  negativeWeight?: number;
  /** Weight of crack (label 1) pixels. Default 1, as in eq 3-5. Must be finite and >= 0. */
  positiveWeight?: number;
}

const NAME = 'weightedSigmoidCrossEntropy';

function readOptions(caller: string, options: WeightedSigmoidCrossEntropyOptions) {
  const { negativeWeight = 0.7, positiveWeight = 1 } = options ?? {};
  return {
    negativeWeight: assertNonNegative(caller, 'negativeWeight', negativeWeight),
    positiveWeight: assertNonNegative(caller, 'positiveWeight', positiveWeight),
  };
}

// With p = sigmoid(x): -ln p = softplus(-x) and -ln(1 - p) = softplus(x). tf.softplus is evaluated
// without overflow (x for large x, exp(x) for very negative x) and its gradient is sigmoid(x), so
// logits of +-80 (where p rounds to exactly 0 or 1 in float32) still give finite loss and gradient.
function compute(
  labels: tf.Tensor,
  logits: tf.Tensor,
  weights: { negativeWeight: number; positiveWeight: number },
): tf.Scalar {
  const y = tf.cast(labels, 'float32');
  const x = tf.cast(logits, 'float32');
  const positive = tf.mul(tf.mul(y, tf.softplus(tf.neg(x))), weights.positiveWeight);
  const negative = tf.mul(tf.mul(tf.sub(1, y), tf.softplus(x)), weights.negativeWeight);
  return tf.mean(tf.add(positive, negative));
}

/**
 * Weighted sigmoid cross-entropy of the thesis (eq 3-5), from logits, as a loss for
 * `model.compile({ loss })`:
 *
 * `l = -(1/N) * sum_i [ positiveWeight * y_i * ln(p_i) + negativeWeight * (1 - y_i) * ln(1 - p_i) ]`,
 * `p_i = sigmoid(yPred_i)`,
 *
 * the mean over all N elements (batch and pixels), computed in the stable form
 * `positiveWeight * y * softplus(-x) + negativeWeight * (1 - y) * softplus(x)`.
 *
 * `yTrue` may be labels of the same shape as `yPred` (0/1; soft labels in [0, 1] also work) or
 * packed targets from {@link packTargets}, of which only the labels are read; so the same loss
 * serves plain training and, summed with {@link sigmoidDistillation}, distillation.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: weightedSigmoidCrossEntropy() });
 * ```
 */
export function weightedSigmoidCrossEntropy(
  options: WeightedSigmoidCrossEntropyOptions = {},
): LossFunction {
  const weights = readOptions(NAME, options);
  return (yTrue, yPred) =>
    tf.tidy(() => compute(resolveTargets(NAME, yTrue, yPred).labels, yPred, weights));
}

/**
 * Eq 3-5 as a plain function of labels and logits of equal shape: the value
 * {@link weightedSigmoidCrossEntropy}'s loss returns. The caller disposes the scalar.
 */
export function weightedSigmoidCrossEntropyLoss(
  labels: tf.Tensor,
  logits: tf.Tensor,
  options: WeightedSigmoidCrossEntropyOptions = {},
): tf.Scalar {
  const caller = 'weightedSigmoidCrossEntropyLoss';
  const weights = readOptions(caller, options);
  assertSameShape(caller, ['labels', 'logits'], labels, logits);
  return tf.tidy(() => compute(labels, logits, weights));
}
