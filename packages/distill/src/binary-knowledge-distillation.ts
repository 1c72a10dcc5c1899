import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { resolvePackedTargets } from './packed-targets';
import { assertNonNegative, assertPositive, assertSameShape } from './validate';

/** Options for {@link binaryKnowledgeDistillation}. */
export interface BinaryKnowledgeDistillationOptions {
  /**
   * Temperature T: both logits are divided by T before the sigmoid, which softens the teacher's
   * confident background (a logit of -12 at T = 4 is a probability of 0.05, not 6e-6) and so
   * passes on where the teacher is unsure. Default 2. Must be finite and > 0.
   */
  temperature?: number;
  /** Weight of crack (label 1) pixels. Default 1. Must be finite and >= 0. */
  positiveWeight?: number;
  /** Weight of background (label 0) pixels. Default 1. Must be finite and >= 0. */
  negativeWeight?: number;
}

const NAME = 'binaryKnowledgeDistillation';

interface Settings {
  temperature: number;
  positiveWeight: number;
  negativeWeight: number;
}

function readOptions(caller: string, options: BinaryKnowledgeDistillationOptions): Settings {
  const { temperature = 2, positiveWeight = 1, negativeWeight = 1 } = options ?? {};
  return {
    temperature: assertPositive(caller, 'temperature', temperature),
    positiveWeight: assertNonNegative(caller, 'positiveWeight', positiveWeight),
    negativeWeight: assertNonNegative(caller, 'negativeWeight', negativeWeight),
  };
}

// With t = sigmoid(z/T), s = sigmoid(q/T): -ln s = softplus(-q/T), -ln(1 - s) = softplus(q/T),
// likewise for t, so the Bernoulli KL is a difference of softplus terms, finite for any logits.
// Its gradient is T * (s - t) per pixel (times the pixel's weight, over N).
function compute(
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  settings: Settings,
): tf.Scalar {
  const { temperature: T } = settings;
  const y = tf.cast(labels, 'float32');
  const zT = tf.div(tf.cast(teacherLogits, 'float32'), T);
  const qT = tf.div(tf.cast(studentLogits, 'float32'), T);
  const t = tf.sigmoid(zT);
  const kl = tf.add(
    tf.mul(t, tf.sub(tf.softplus(tf.neg(qT)), tf.softplus(tf.neg(zT)))),
    tf.mul(tf.sub(1, t), tf.sub(tf.softplus(qT), tf.softplus(zT))),
  );
  const weight = tf.add(
    tf.mul(y, settings.positiveWeight),
    tf.mul(tf.sub(1, y), settings.negativeWeight),
  );
  return tf.mul(tf.mean(tf.mul(kl, weight)), T * T);
}

/**
 * Binary (sigmoid) knowledge distillation with a temperature, as a loss for
 * `model.compile({ loss })`: Hinton's soft targets (eq 4-3) for a one-logit output, where the
 * softmax over classes becomes a Bernoulli per pixel:
 *
 * `l_kd = T^2 * (1/N) * sum_i w_i * KL( Bernoulli(sigmoid(z_i / T)) || Bernoulli(sigmoid(q_i / T)) )`
 *
 * with z the teacher logit, q the student logit (`yPred`), w_i = `positiveWeight` on crack
 * pixels and `negativeWeight` on background. The KL equals the binary cross-entropy
 * `BCE(sigmoid(z/T), sigmoid(q/T))` minus the teacher's entropy (a constant), so the gradient is
 * the cross-entropy's: `dl/dq_i = T * w_i * (sigmoid(q_i/T) - sigmoid(z_i/T)) / N`; the loss is 0
 * where the student equals the teacher. The T^2 factor keeps the gradient's size comparable
 * across temperatures, as in Hinton et al. (2015).
 *
 * Unlike the hinge of {@link sigmoidDistillation} it pulls both ways on every pixel, and with
 * T > 1 a confident teacher's saturated logits no longer dominate. `yTrue` must be packed targets
 * (see {@link packTargets}).
 *
 * @example
 * ```ts
 * student.compile({
 *   optimizer,
 *   loss: distillationLoss({ hard: weightedSigmoidCrossEntropy(), soft: binaryKnowledgeDistillation({ temperature: 2 }) }),
 * });
 * ```
 */
export function binaryKnowledgeDistillation(
  options: BinaryKnowledgeDistillationOptions = {},
): LossFunction {
  const settings = readOptions(NAME, options);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const { labels, teacherLogits } = resolvePackedTargets(NAME, yTrue, yPred);
      return compute(labels, teacherLogits, yPred, settings);
    });
}

/**
 * {@link binaryKnowledgeDistillation} as a plain function of labels, teacher logits and student
 * logits of equal shape. The caller disposes the scalar.
 */
export function binaryKnowledgeDistillationLoss(
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  options: BinaryKnowledgeDistillationOptions = {},
): tf.Scalar {
  const caller = 'binaryKnowledgeDistillationLoss';
  const settings = readOptions(caller, options);
  assertSameShape(caller, ['labels', 'teacherLogits'], labels, teacherLogits);
  assertSameShape(caller, ['labels', 'studentLogits'], labels, studentLogits);
  return tf.tidy(() => compute(labels, teacherLogits, studentLogits, settings));
}
