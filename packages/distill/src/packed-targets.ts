import * as tf from '@tensorflow/tfjs-core';

/**
 * Where each quantity sits on the last axis of a packed target tensor: the single source of truth
 * for the layout shared by `@crack/distill` (which reads it) and `@crack/data` (whose
 * `toTfDataset({ targets: 'packed' })` writes it).
 *
 * For a student with one output channel (the thesis's sigmoid U-Net) `yPred` is `[b, h, w, 1]`
 * logits and the packed `yTrue` is `[b, h, w, 2]` float32:
 * channel 0 = the label y (0 or 1), channel 1 = the teacher's logit z (before the sigmoid).
 *
 * The layout generalises to C channels: labels fill channels `[0, C)` and teacher logits
 * `[C, 2C)`, so `yTrue` has twice the channels of `yPred`. This is what lets `model.compile({ loss })`
 * see the labels and the teacher at once: Keras-style losses only ever receive `(yTrue, yPred)`.
 */
export const PACKED_TARGET_CHANNELS = Object.freeze({
  /** Channel of the ground-truth label. */
  label: 0,
  /** Channel of the teacher's logit. */
  teacherLogit: 1,
} as const);

/** Labels and teacher logits, as carried in one packed target tensor. */
export interface UnpackedTargets {
  /** Ground-truth labels, `[..., C]` float32 (0/1 for the sigmoid losses). */
  labels: tf.Tensor;
  /** Teacher logits (before the sigmoid or softmax), `[..., C]` float32. */
  teacherLogits: tf.Tensor;
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * Packs labels and teacher logits into one target tensor laid out as
 * {@link PACKED_TARGET_CHANNELS} describes: `concat([labels, teacherLogits], lastAxis)`, float32.
 * Use it as `yTrue` for {@link sigmoidDistillation}, {@link weightedSigmoidCrossEntropy} (which
 * reads only the labels) and their sum {@link distillationLoss}.
 *
 * @param labels - Ground truth, `[..., C]` (C = 1 for a sigmoid segmenter); any numeric dtype.
 * @param teacherLogits - Teacher logits of the same shape as `labels`.
 * @returns A new `[..., 2C]` float32 tensor; the caller disposes it.
 */
export function packTargets(labels: tf.Tensor, teacherLogits: tf.Tensor): tf.Tensor {
  if (!(labels instanceof tf.Tensor))
    throw new TypeError('packTargets: labels must be a tf.Tensor');
  if (!(teacherLogits instanceof tf.Tensor))
    throw new TypeError('packTargets: teacherLogits must be a tf.Tensor');
  if (labels.rank < 1) throw new Error('packTargets: labels must have rank >= 1, got rank 0');
  if (!tf.util.arraysEqual(labels.shape, teacherLogits.shape))
    throw new Error(
      `packTargets: labels shape ${shapeText(labels.shape)} and teacherLogits shape ` +
        `${shapeText(teacherLogits.shape)} must be equal`,
    );
  return tf.tidy(() =>
    tf.concat([tf.cast(labels, 'float32'), tf.cast(teacherLogits, 'float32')], labels.rank - 1),
  );
}

/**
 * Splits a packed target tensor (see {@link PACKED_TARGET_CHANNELS}) back into labels and teacher
 * logits: the first half of the last axis, then the second half.
 *
 * @param yTrue - Packed targets `[..., 2C]`.
 * @returns Two new `[..., C]` tensors; the caller disposes them.
 */
export function unpackTargets(yTrue: tf.Tensor): UnpackedTargets {
  if (!(yTrue instanceof tf.Tensor))
    throw new TypeError('unpackTargets: yTrue must be a tf.Tensor');
  const channels = yTrue.shape[yTrue.rank - 1] ?? 0;
  if (yTrue.rank < 1 || channels % 2 !== 0 || channels === 0)
    throw new Error(
      `unpackTargets: yTrue must have an even, non-zero number of channels on its last axis ` +
        `(labels then teacher logits), got shape ${shapeText(yTrue.shape)}`,
    );
  const [labels, teacherLogits] = tf.split(yTrue, 2, yTrue.rank - 1) as [tf.Tensor, tf.Tensor];
  return { labels, teacherLogits };
}

/** What a loss found in its `yTrue`: the labels, and the teacher logits when yTrue was packed. */
export interface ResolvedTargets {
  labels: tf.Tensor;
  teacherLogits: tf.Tensor | null;
}

/**
 * Reads `yTrue` the way every loss of this package does (internal; call inside `tf.tidy`):
 * the same shape as `yPred` means labels only; the same leading axes with twice the channels
 * means packed targets. Anything else is an error that names `caller`.
 */
export function resolveTargets(
  caller: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
): ResolvedTargets {
  if (!(yTrue instanceof tf.Tensor)) throw new TypeError(`${caller}: yTrue must be a tf.Tensor`);
  if (!(yPred instanceof tf.Tensor)) throw new TypeError(`${caller}: yPred must be a tf.Tensor`);
  if (yPred.rank < 1) throw new Error(`${caller}: yPred must have rank >= 1, got rank 0`);
  if (tf.util.arraysEqual(yTrue.shape, yPred.shape)) return { labels: yTrue, teacherLogits: null };
  const channels = yPred.shape[yPred.rank - 1]!;
  const packed =
    yTrue.rank === yPred.rank &&
    yTrue.shape[yTrue.rank - 1] === 2 * channels &&
    tf.util.arraysEqual(yTrue.shape.slice(0, -1), yPred.shape.slice(0, -1));
  if (!packed)
    throw new Error(
      `${caller}: yTrue shape ${shapeText(yTrue.shape)} does not fit yPred shape ` +
        `${shapeText(yPred.shape)}: expected the same shape (labels only) or packed targets ` +
        `${shapeText([...yPred.shape.slice(0, -1), 2 * channels])} (labels, teacher logits; see packTargets)`,
    );
  const { labels, teacherLogits } = unpackTargets(yTrue);
  return { labels, teacherLogits };
}

/**
 * {@link resolveTargets} for losses that need the teacher (internal; call inside `tf.tidy`):
 * plain labels are refused with an error that names `caller` and says how to pack them.
 */
export function resolvePackedTargets(
  caller: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
): UnpackedTargets {
  const { labels, teacherLogits } = resolveTargets(caller, yTrue, yPred);
  if (teacherLogits === null) {
    const channels = yPred.shape[yPred.rank - 1]!;
    throw new Error(
      `${caller}: yTrue must have ${2 * channels} channels (label, teacher logit), got ` +
        `${channels}; pack labels and teacher logits with packTargets(labels, teacherLogits)`,
    );
  }
  return { labels, teacherLogits };
}
