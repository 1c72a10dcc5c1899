import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { resolveTargets } from './packed-targets';
import { assertNonNegative, assertSameShape } from './validate';

/** Options for {@link sigmoidDistillation}. */
export interface SigmoidDistillationOptions {
  /**
   * Weight `a` of crack pixels (y = 1): the student logit is pushed up while the teacher's is
   * higher. Default 0, the thesis's choice. Must be finite and >= 0.
   */
  alpha?: number;
  /**
   * Weight `b` of background pixels (y = 0): the student logit is pushed down while the teacher's
   * is lower. Default 1, the thesis's choice. Must be finite and >= 0.
   */
  beta?: number;
}

const NAME = 'sigmoidDistillation';

function readOptions(caller: string, options: SigmoidDistillationOptions) {
  const { alpha = 0, beta = 1 } = options ?? {};
  return {
    alpha: assertNonNegative(caller, 'alpha', alpha),
    beta: assertNonNegative(caller, 'beta', beta),
  };
}

// Hinge terms on logits: no sigmoid, so nothing saturates; relu's gradient is a 0/1 step (0 at
// the kink), so each pixel contributes -alpha/N, +beta/N or 0 to dl/dq.
function compute(
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  weights: { alpha: number; beta: number },
): tf.Scalar {
  const y = tf.cast(labels, 'float32');
  const z = tf.cast(teacherLogits, 'float32');
  const q = tf.cast(studentLogits, 'float32');
  const up = tf.mul(tf.mul(y, tf.relu(tf.sub(z, q))), weights.alpha);
  const down = tf.mul(tf.mul(tf.sub(1, y), tf.relu(tf.sub(q, z))), weights.beta);
  return tf.mean(tf.add(up, down));
}

/**
 * Sigmoid (binary) distillation of the thesis (eq 4-4), as a loss for `model.compile({ loss })`:
 *
 * `l_d = (1/N) * sum_i [ alpha * y_i * max(0, z_i - q_i) + beta * (1 - y_i) * max(0, q_i - z_i) ]`
 *
 * with y the label, z the teacher logit and q the student logit (`yPred`), the mean over all N
 * elements. Hinton's softmax distillation (eq 4-3) is constant for a single sigmoid output; this
 * loss instead pulls the student towards the teacher only where the teacher is more confident
 * in the right direction.
 *
 * `yTrue` must be packed targets (labels and teacher logits, see {@link packTargets}); a plain
 * label tensor carries no teacher and is refused with an error.
 *
 * @example
 * ```ts
 * student.compile({ optimizer, loss: distillationLoss({ hard: weightedSigmoidCrossEntropy(), soft: sigmoidDistillation() }) });
 * await student.fitDataset(dataset, { epochs }); // dataset yields { xs: images, ys: packTargets(labels, teacherLogits) }
 * ```
 */
export function sigmoidDistillation(options: SigmoidDistillationOptions = {}): LossFunction {
  const weights = readOptions(NAME, options);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const { labels, teacherLogits } = resolveTargets(NAME, yTrue, yPred);
      if (teacherLogits === null) {
        const channels = yPred.shape[yPred.rank - 1]!;
        throw new Error(
          `${NAME}: yTrue must have ${2 * channels} channels (label, teacher logit), got ` +
            `${channels}; pack labels and teacher logits with packTargets(labels, teacherLogits)`,
        );
      }
      return compute(labels, teacherLogits, yPred, weights);
    });
}

/**
 * Eq 4-4 as a plain function of labels, teacher logits and student logits of equal shape: the
 * value {@link sigmoidDistillation}'s loss returns for packed targets. The caller disposes it.
 */
export function sigmoidDistillationLoss(
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  options: SigmoidDistillationOptions = {},
): tf.Scalar {
  const caller = 'sigmoidDistillationLoss';
  const weights = readOptions(caller, options);
  assertSameShape(caller, ['labels', 'teacherLogits'], labels, teacherLogits);
  assertSameShape(caller, ['labels', 'studentLogits'], labels, studentLogits);
  return tf.tidy(() => compute(labels, teacherLogits, studentLogits, weights));
}
