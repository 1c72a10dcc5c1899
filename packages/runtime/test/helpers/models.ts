// Weight copying and one training step, shared by the runtime's training tests.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Weight values of a model, to rebuild it bit-identically on another backend. */
export function weightValues(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** Sets a model's weights from values taken with {@link weightValues}. */
export function setWeightValues(model: tfl.LayersModel, values: Float32Array[]): void {
  const tensors = model.getWeights().map((w, i) => tf.tensor(values[i] as Float32Array, w.shape));
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}

/** One Adam step on sigmoid cross-entropy of the logits; returns the loss before the step. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor,
  masks: tf.Tensor,
): number {
  const cost = optimizer.minimize(
    () =>
      tf.losses.sigmoidCrossEntropy(
        masks,
        model.apply(images, { training: true }) as tf.Tensor,
      ) as tf.Scalar,
    true,
  );
  const value = (cost as tf.Scalar).dataSync()[0] as number;
  cost?.dispose();
  return value;
}
