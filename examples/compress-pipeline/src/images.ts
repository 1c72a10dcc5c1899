/** Samples to normalised tensors, the input convention of every model here (eq 3-4). */
import { normalizePixels, type Sample } from '@crack/data';
import * as tf from '@tensorflow/tfjs-core';

/** One sample as a [1, height, width, 3] tensor in [-1, 1]; the caller disposes it. */
export function imageTensor(sample: Sample): tf.Tensor4D {
  return tf.tensor4d(normalizePixels(sample.image.data), [1, sample.height, sample.width, 3]);
}
