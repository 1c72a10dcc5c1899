import type * as tf from '@tensorflow/tfjs-core';

/**
 * A Keras-style loss: `(yTrue, yPred) => scalar`, which tfjs-layers' `model.compile({ loss })`
 * accepts as is. `yPred` is always logits (no sigmoid or softmax in the model); `yTrue` is either
 * labels of the same shape or packed targets (see {@link PACKED_TARGET_CHANNELS}).
 * Every call is wrapped in `tf.tidy`: only the returned scalar is left for the caller to dispose.
 */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
