import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet, logitsToProbabilities, predictProbabilities } from '../src/index';
import { rampImages, useCpu } from './helpers';

beforeAll(useCpu);

describe('probabilities', () => {
  it('logitsToProbabilities is 1 / (1 + exp(-x))', () => {
    const logits = tf.tensor1d([-30, -2, 0, 0.5, 4]);
    const probabilities = logitsToProbabilities(logits);
    const expected = [-30, -2, 0, 0.5, 4].map((x) => 1 / (1 + Math.exp(-x)));
    const actual = probabilities.dataSync();
    for (const [i, value] of expected.entries()) expect(actual[i]).toBeCloseTo(value, 6);
    tf.dispose([logits, probabilities]);
  });

  it('predictProbabilities is the sigmoid of the logit map, and frees its intermediates', () => {
    const model = createUnet({ depth: 1, baseFilters: 2, seed: 4 });
    const images = rampImages([2, 8, 6, 3]);
    const logits = model.predict(images) as tf.Tensor;
    const logitValues = logits.dataSync();
    logits.dispose();

    const before = tf.memory().numTensors;
    const probabilities = predictProbabilities(model, images);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(probabilities.shape).toEqual([2, 8, 6, 1]);
    const values = probabilities.dataSync();
    for (const [i, z] of logitValues.entries()) {
      expect(values[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
    }
    tf.dispose([probabilities, images]);
    model.dispose();
  });

  it('rejects images that are not a batch', () => {
    const model = createUnet({ depth: 1, baseFilters: 1, seed: 4 });
    const image = tf.zeros([8, 8, 3]);
    expect(() => predictProbabilities(model, image as tf.Tensor4D)).toThrow(
      'predictProbabilities: images must be rank 4 [batch, height, width, channels], got rank 3',
    );
    image.dispose();
    model.dispose();
  });
});
