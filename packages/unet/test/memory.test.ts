import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet, predictProbabilities, type UnetConfig } from '../src/index';
import { rampImages, useCpu } from './helpers';

beforeAll(useCpu);

describe('memory', () => {
  it.each<UnetConfig>([
    { depth: 2, baseFilters: 2 },
    { depth: 2, baseFilters: 2, block: 'separable', batchNorm: true },
    { depth: 3, baseFilters: 2, upsampling: 'bilinear', dropout: 0.5, headKernel: 1 },
  ])('build, predict and dispose leave no tensor behind (%j)', (config) => {
    const images = rampImages([1, 16, 16, 3]);
    const before = tf.memory();
    const model = createUnet({ ...config, seed: 8 });
    // Only the weights stay allocated while the model lives: one tensor per weight.
    expect(tf.memory().numTensors - before.numTensors).toBe(model.weights.length);
    tf.dispose(model.predict(images));
    tf.dispose(predictProbabilities(model, images));
    model.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    images.dispose();
  });
});
