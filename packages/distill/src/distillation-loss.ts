import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { assertNonNegative } from './validate';

/** Options for {@link distillationLoss}. */
export interface DistillationLossOptions {
  /** The loss on the labels, e.g. {@link weightedSigmoidCrossEntropy}(). Required. */
  hard: LossFunction;
  /** The distillation term, e.g. {@link sigmoidDistillation}(). Required. */
  soft: LossFunction;
  /**
   * Weight of the soft term. Default 1, the thesis's plain sum. Must be finite and >= 0. A
   * function is called at every evaluation of the loss (once per training step in `fit`), so the
   * weight can follow a schedule, e.g. a warm-up from 0 while the student's cross-entropy settles:
   * `softWeight: () => Math.min(1, step / 500)` with `step` counted by an `onBatchEnd` callback.
   */
  softWeight?: number | (() => number);
}

const NAME = 'distillationLoss';

/**
 * The total training loss of the thesis (eq 4-5), `l_total = l + l_d`, generalised to
 * `hard(yTrue, yPred) + softWeight * soft(yTrue, yPred)`. Both terms receive the same `yTrue`,
 * so use packed targets (see {@link packTargets}); the losses of this package read the part they
 * need. The result is a loss for `model.compile({ loss })`.
 *
 * @example
 * ```ts
 * const loss = distillationLoss({ hard: weightedSigmoidCrossEntropy(), soft: sigmoidDistillation() });
 * ```
 */
export function distillationLoss(options: DistillationLossOptions): LossFunction {
  const { hard, soft, softWeight = 1 } = options ?? ({} as Partial<DistillationLossOptions>);
  if (typeof hard !== 'function')
    throw new TypeError(`${NAME}: hard must be a loss function (yTrue, yPred) => scalar`);
  if (typeof soft !== 'function')
    throw new TypeError(`${NAME}: soft must be a loss function (yTrue, yPred) => scalar`);
  if (typeof softWeight !== 'function') assertNonNegative(NAME, 'softWeight', softWeight);
  const weightNow = (): number =>
    typeof softWeight === 'function'
      ? assertNonNegative(NAME, 'softWeight()', softWeight())
      : softWeight;
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const weight = weightNow();
      const hardTerm = hard(yTrue, yPred);
      // A zero weight (e.g. the start of a warm-up) skips the soft term and its gradient.
      if (weight === 0) return hardTerm;
      return tf.add(hardTerm, tf.mul(soft(yTrue, yPred), weight)) as tf.Scalar;
    });
}
