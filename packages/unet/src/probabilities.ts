/**
 * U-Nets here output logits (no sigmoid or softmax in the graph, so distillation can use them and
 * the graph exports cleanly); these helpers turn logits into probabilities: a sigmoid for the
 * single-channel crack map, a softmax over the classes for a multi-class model.
 */
import { sigmoid, softmax, type Tensor, type Tensor4D, tidy } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * Element-wise sigmoid 1 / (1 + exp(-logit)): crack probability per pixel of a single-channel
 * logit map. (For a multi-class map use `tf.softmax` over the last axis, or
 * {@link predictProbabilities}, which picks the right one.) Caller disposes.
 */
export function logitsToProbabilities<T extends Tensor>(logits: T): T {
  return sigmoid(logits);
}

/**
 * Runs `model` on a batch of normalised images [batch, height, width, channels] and returns the
 * crack probabilities [batch, height, width, 1] (sigmoid), or for a multi-class model
 * (`classes` > 1) the class probabilities [batch, height, width, classes] (softmax). Intermediate tensors are freed; the caller
 * disposes the result.
 *
 * @throws Error if `images` is not rank 4 or the model has several outputs.
 */
export function predictProbabilities(model: LayersModel, images: Tensor4D): Tensor4D {
  if (images.rank !== 4) {
    throw new RangeError(
      `predictProbabilities: images must be rank 4 [batch, height, width, channels], got rank ${images.rank}`,
    );
  }
  return tidy(() => {
    const logits = model.predict(images);
    if (Array.isArray(logits)) {
      throw new TypeError(`predictProbabilities: model must have one output, got ${logits.length}`);
    }
    const channels = logits.shape[logits.rank - 1] ?? 1;
    return (channels > 1 ? softmax(logits) : sigmoid(logits)) as Tensor4D;
  });
}
