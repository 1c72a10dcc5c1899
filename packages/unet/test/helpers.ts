import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Selects the cpu backend (call in beforeAll). */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A deterministic input batch in [-1, 1] of the given shape (no randomness involved). */
export function rampImages(shape: [number, number, number, number]): tf.Tensor4D {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 1) values[i] = Math.sin(i * 0.37) * 0.9;
  return tf.tensor4d(values, shape);
}

/** The values of every weight of a model, by layer name and weight name. */
export function weightValues(model: LayersModel): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      values.set(weight.originalName, weight.read().dataSync() as Float32Array);
    }
  }
  return values;
}
