/** Samples to normalised tensors, the input convention of every model here (eq 3-4). */
import type { Sample } from '@crack/data';
import * as tf from '@tensorflow/tfjs-core';

/** One sample as a [1, height, width, 3] tensor in [-1, 1]; the caller disposes it. */
export function imageTensor(sample: Sample): tf.Tensor4D {
  const { data } = sample.image;
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = ((data[i] as number) - 127.5) / 127.5;
  return tf.tensor4d(values, [1, sample.height, sample.width, 3]);
}
