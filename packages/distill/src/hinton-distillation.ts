import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { resolveTargets } from './packed-targets';
import { assertPositive, assertSameShape } from './validate';

/** Options for {@link hintonDistillation}. */
export interface HintonDistillationOptions {
  /** Softmax temperature T > 0 of eq 4-3; Hinton et al. use values from 1 to 20. Required. */
  temperature: number;
  /**
   * Multiply the loss by T^2. The soft loss's gradient scales as 1/T^2, so this keeps its weight
   * against a hard loss unchanged when T changes (Hinton et al., 2015, section 2). Default true.
   */
  scaleByTemperatureSquared?: boolean;
  /**
   * `'kl-divergence'` (default): KL(p_teacher || p_student), 0 when the softened distributions
   * agree. `'cross-entropy'`: -sum p_teacher ln p_student, Hinton's original form; it differs from
   * the KL divergence by the teacher's entropy, a constant, so the gradients are the same.
   */
  divergence?: 'kl-divergence' | 'cross-entropy';
}

const NAME = 'hintonDistillation';
const DIVERGENCES = ['kl-divergence', 'cross-entropy'] as const;

function readOptions(caller: string, options: HintonDistillationOptions) {
  const {
    temperature,
    scaleByTemperatureSquared = true,
    divergence = 'kl-divergence',
  } = options ?? ({} as Partial<HintonDistillationOptions>);
  assertPositive(caller, 'temperature', temperature);
  if (typeof scaleByTemperatureSquared !== 'boolean')
    throw new TypeError(
      `${caller}: scaleByTemperatureSquared must be a boolean, got ${String(scaleByTemperatureSquared)}`,
    );
  if (!DIVERGENCES.includes(divergence))
    throw new RangeError(
      `${caller}: divergence must be 'kl-divergence' or 'cross-entropy', got ${String(divergence)}`,
    );
  return { temperature, scaleByTemperatureSquared, divergence };
}

function assertClasses(caller: string, studentLogits: tf.Tensor): void {
  const classes = studentLogits.shape[studentLogits.rank - 1];
  if (studentLogits.rank < 1 || classes === undefined || classes < 2)
    throw new Error(
      `${caller}: the logits need >= 2 classes on the last axis, got shape ` +
        `[${studentLogits.shape.join(',')}]; a softmax over one class is constant, use ` +
        `sigmoidDistillation for a single sigmoid output`,
    );
}

// log-softmax is evaluated as x - max - log(sum(exp(x - max))), so large logits stay finite.
function compute(
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  options: ReturnType<typeof readOptions>,
): tf.Scalar {
  const { temperature, scaleByTemperatureSquared, divergence } = options;
  const axis = studentLogits.rank - 1;
  const teacherLog = tf.logSoftmax(tf.div(tf.cast(teacherLogits, 'float32'), temperature), axis);
  const studentLog = tf.logSoftmax(tf.div(tf.cast(studentLogits, 'float32'), temperature), axis);
  const teacher = tf.exp(teacherLog);
  const perPosition =
    divergence === 'cross-entropy'
      ? tf.neg(tf.sum(tf.mul(teacher, studentLog), axis))
      : tf.sum(tf.mul(teacher, tf.sub(teacherLog, studentLog)), axis);
  const loss = tf.mean(perPosition) as tf.Scalar;
  return scaleByTemperatureSquared ? tf.mul(loss, temperature * temperature) : loss;
}

/**
 * Hinton's softmax distillation (eq 4-3) for multi-class logits, as a loss for
 * `model.compile({ loss })`. With `p_i = exp(z_i / T) / sum_j exp(z_j / T)` (teacher) and
 * `s_i` the same for the student logits q (`yPred`):
 *
 * `l = T^2 * mean over positions of sum_i p_i * (ln p_i - ln s_i)` (KL divergence, default), or
 * `l = T^2 * mean over positions of -sum_i p_i * ln s_i` (cross-entropy),
 *
 * classes on the last axis, the mean over every other axis (batch, pixels); the T^2 factor is
 * optional. `yTrue` is either the teacher logits alone (same shape as `yPred`, so plain
 * `model.fit(x, teacherLogits)` works) or packed targets from {@link packTargets}, whose teacher
 * half is used. For one sigmoid output use {@link sigmoidDistillation} instead.
 */
export function hintonDistillation(options: HintonDistillationOptions): LossFunction {
  const settings = readOptions(NAME, options);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      assertClasses(NAME, yPred);
      const { labels, teacherLogits } = resolveTargets(NAME, yTrue, yPred);
      return compute(teacherLogits ?? labels, yPred, settings);
    });
}

/**
 * Eq 4-3 as a plain function of teacher and student logits of equal shape `[..., classes]`: the
 * value {@link hintonDistillation}'s loss returns. The caller disposes the scalar.
 */
export function hintonDistillationLoss(
  teacherLogits: tf.Tensor,
  studentLogits: tf.Tensor,
  options: HintonDistillationOptions,
): tf.Scalar {
  const caller = 'hintonDistillationLoss';
  const settings = readOptions(caller, options);
  assertSameShape(caller, ['teacherLogits', 'studentLogits'], teacherLogits, studentLogits);
  assertClasses(caller, studentLogits);
  return tf.tidy(() => compute(teacherLogits, studentLogits, settings));
}
