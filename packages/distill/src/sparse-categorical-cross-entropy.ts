import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from './loss-function';
import { assertNonNegative } from './validate';

/** Options for {@link sparseCategoricalCrossEntropy}. */
export interface SparseCategoricalCrossEntropyOptions {
  /**
   * Weight w_c of every pixel whose label is class c, one finite number >= 0 per class (its
   * length must equal the logits' channel count). Rare classes (cracks) get larger weights.
   * Default: every weight 1 (the plain cross-entropy).
   */
  classWeights?: readonly number[];
}

const NAME = 'sparseCategoricalCrossEntropy';

function readWeights(caller: string, options: SparseCategoricalCrossEntropyOptions) {
  const { classWeights } = options ?? {};
  if (classWeights === undefined) return undefined;
  if (!Array.isArray(classWeights) || classWeights.length === 0) {
    throw new TypeError(
      `${caller}: classWeights must be a non-empty array of numbers, got ${String(classWeights)}`,
    );
  }
  return classWeights.map((w, c) => assertNonNegative(caller, `classWeights[${c}]`, w));
}

/** Labels [..., 1] or [...] as class ids of the logits' [..., C] pixels; throws on other shapes. */
function checkShapes(caller: string, labels: tf.Tensor, logits: tf.Tensor, weights?: number[]) {
  if (!(labels instanceof tf.Tensor)) throw new TypeError(`${caller}: labels must be a tf.Tensor`);
  if (!(logits instanceof tf.Tensor)) throw new TypeError(`${caller}: logits must be a tf.Tensor`);
  const pixels = logits.shape.slice(0, -1);
  const plain = tf.util.arraysEqual(labels.shape, pixels);
  const withChannel = tf.util.arraysEqual(labels.shape, [...pixels, 1]);
  if (logits.rank < 2 || !(plain || withChannel)) {
    throw new Error(
      `${caller}: labels shape [${labels.shape.join(',')}] must be the logits shape ` +
        `[${logits.shape.join(',')}] with the class axis of size 1 or removed`,
    );
  }
  const classes = logits.shape[logits.rank - 1]!;
  if (weights && weights.length !== classes) {
    throw new RangeError(
      `${caller}: classWeights has ${weights.length} entries but the logits have ${classes} classes`,
    );
  }
}

// -ln softmax(x)_y = logsumexp(x) - x_y; tf.logSoftmax subtracts the max first, so logits of any
// size give a finite loss and the gradient softmax(x) - onehot(y) (times the pixel's weight).
function compute(labels: tf.Tensor, logits: tf.Tensor, weights: number[] | undefined): tf.Scalar {
  const classes = logits.shape[logits.rank - 1]!;
  const ids = tf.cast(tf.reshape(labels, [-1]), 'int32');
  const flat = tf.reshape(tf.cast(logits, 'float32'), [-1, classes]);
  const oneHot = tf.oneHot(ids, classes);
  const perPixel = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(flat)), -1));
  if (!weights) return tf.mean(perPixel);
  const pixelWeights = tf.sum(tf.mul(oneHot, tf.tensor1d(weights)), -1);
  return tf.mean(tf.mul(pixelWeights, perPixel));
}

/**
 * Sparse categorical cross-entropy from logits, optionally class-weighted, as a loss for
 * `model.compile({ loss })` with a multi-class U-Net (`createUnet({ classes })`):
 *
 * `l = -(1/N) * sum_i w_{y_i} * ln softmax(x_i)_{y_i}`,
 *
 * the mean over all N pixels (batch and positions) of the weighted negative log-likelihood of
 * each pixel's labelled class; x_i are the C logits of pixel i, y_i its class id in [0, C), w the
 * `classWeights` (default all 1). Like eq 3-5 the weights scale the terms and the mean stays over
 * N (Keras's `class_weight` convention, not PyTorch's division by the weight sum).
 *
 * `yTrue` holds class ids, shape `[batch, height, width, 1]` (or without the last axis), as
 * floats or ints; `yPred` the logits `[batch, height, width, C]`. Ids outside [0, C) contribute 0
 * inside `compile` (no data is read back during training); the plain function checks them.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: tf.train.adam(1e-4), loss: sparseCategoricalCrossEntropy() });
 * ```
 */
export function sparseCategoricalCrossEntropy(
  options: SparseCategoricalCrossEntropyOptions = {},
): LossFunction {
  const weights = readWeights(NAME, options);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      checkShapes(NAME, yTrue, yPred, weights);
      return compute(yTrue, yPred, weights);
    });
}

/**
 * {@link sparseCategoricalCrossEntropy} as a plain function of class ids and logits; it also
 * checks that every id is an integer in [0, C). The caller disposes the scalar.
 */
export function sparseCategoricalCrossEntropyLoss(
  labels: tf.Tensor,
  logits: tf.Tensor,
  options: SparseCategoricalCrossEntropyOptions = {},
): tf.Scalar {
  const caller = 'sparseCategoricalCrossEntropyLoss';
  const weights = readWeights(caller, options);
  checkShapes(caller, labels, logits, weights);
  const classes = logits.shape[logits.rank - 1]!;
  const ids = labels.dataSync();
  for (let i = 0; i < ids.length; i += 1) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < classes)) {
      throw new RangeError(
        `${caller}: labels must be class ids in [0, ${classes - 1}], got ${id} at index ${i}`,
      );
    }
  }
  return tf.tidy(() => compute(labels, logits, weights));
}
