import type { ProbabilityMap } from './types';

/**
 * The part of a TensorFlow.js tensor {@link fromTensor} uses. Any `tf.Tensor` fits; TensorFlow.js
 * itself is never imported by this package's main entry.
 */
export interface TensorLike {
  /** `[height, width]`, `[height, width, 1]`, `[1, height, width]` or `[1, height, width, 1]`. */
  shape: number[];
  /** The values, row-major (`tensor.dataSync()`). */
  dataSync(): ArrayLike<number>;
}

/**
 * A mask or probability map from a single-channel image tensor (a model output after the
 * sigmoid, or a label). The values are copied to a Float32Array; the tensor is not disposed.
 *
 * @example
 * ```ts
 * const probability = fromTensor(tf.tidy(() => tf.sigmoid(model.predict(x) as tf.Tensor)));
 * const sweep = thresholdSweep(probability, truth);
 * ```
 * @throws RangeError when the tensor is not a single image with one channel.
 */
export function fromTensor(tensor: TensorLike): ProbabilityMap {
  const fn = 'fromTensor';
  if (!tensor || !Array.isArray(tensor.shape) || typeof tensor.dataSync !== 'function') {
    throw new TypeError(`${fn}: tensor must be a tf.Tensor (shape and dataSync), got ${tensor}`);
  }
  const shape = [...tensor.shape];
  if (shape.length === 4 && shape[0] === 1) shape.shift();
  if (shape.length === 3 && shape[2] === 1) shape.pop();
  else if (shape.length === 3 && shape[0] === 1) shape.shift();
  if (shape.length !== 2) {
    throw new RangeError(
      `${fn}: tensor must have shape [height, width] with optional batch 1 and channel 1, got [${tensor.shape.join(', ')}]`,
    );
  }
  const [height, width] = shape as [number, number];
  return { data: Float32Array.from(tensor.dataSync()), width, height };
}
