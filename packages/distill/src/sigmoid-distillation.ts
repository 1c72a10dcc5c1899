import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { resolvePackedTargets } from './packed-targets';
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
  /**
   * Clip the teacher logits to `[-margin, margin]` before the hinge, so the student is pulled only
   * as far as `max(z, -margin)` on background and `min(z, margin)` on cracks. A very confident
   * teacher (background logits around -13) otherwise keeps pushing every background logit of the
   * student down, which costs recall near cracks. Default `Infinity`: eq 4-4 unchanged.
   * Must be > 0.
   */
  margin?: number;
  /**
   * Where the hinge is measured: `'logit'` (eq 4-4, default) compares the logits z and q;
   * `'probability'` compares sigmoid(z) and sigmoid(q), so the pull fades once both are saturated
   * (a background pixel at p = 1e-4 is no longer pushed towards 1e-6).
   */
  space?: 'logit' | 'probability';
}

const NAME = 'sigmoidDistillation';

interface Weights {
  alpha: number;
  beta: number;
  margin: number;
  space: 'logit' | 'probability';
}

function readOptions(caller: string, options: SigmoidDistillationOptions): Weights {
  const { alpha = 0, beta = 1, margin = Number.POSITIVE_INFINITY, space = 'logit' } = options ?? {};
  if (typeof margin !== 'number' || !(margin > 0))
    throw new RangeError(
      `${caller}: margin must be a number > 0 (or Infinity), got ${String(margin)}`,
    );
  if (space !== 'logit' && space !== 'probability')
    throw new RangeError(`${caller}: space must be 'logit' or 'probability', got ${String(space)}`);
  return {
    alpha: assertNonNegative(caller, 'alpha', alpha),
    beta: assertNonNegative(caller, 'beta', beta),
    margin,
    space,
  };
}

// Hinge terms on logits: no sigmoid, so nothing saturates; relu's gradient is a 0/1 step (0 at
// the kink), so each pixel contributes -alpha/N, +beta/N or 0 to dl/dq. The margin only moves
// the target (the teacher's logit is a constant), and in probability space the step is scaled
// by sigmoid'(q).
function compute(
  labels: tf.Tensor,
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  weights: Weights,
): tf.Scalar {
  const y = tf.cast(labels, 'float32');
  let z = tf.cast(teacherLogits, 'float32');
  let q = tf.cast(studentLogits, 'float32');
  if (Number.isFinite(weights.margin)) z = tf.clipByValue(z, -weights.margin, weights.margin);
  if (weights.space === 'probability') {
    z = tf.sigmoid(z);
    q = tf.sigmoid(q);
  }
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
 * The defaults are eq 4-4 exactly. Two options change it where a very confident teacher makes
 * the hinge dominate the cross-entropy: `margin` (distil towards `clip(z, -margin, margin)`) and
 * `space: 'probability'` (the hinge between sigmoid(z) and sigmoid(q)). For soft targets with a
 * temperature see {@link binaryKnowledgeDistillation}.
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
      const { labels, teacherLogits } = resolvePackedTargets(NAME, yTrue, yPred);
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
