/** The learning-rate schedule (closed form) and the from-scratch re-initialisation (statistics). */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildUnet } from '../src/models';
import { reinitialise } from '../src/stages/train-scratch';
import { COSINE_FLOOR, learningRateAt } from '../src/train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('learningRateAt', () => {
  it('is constant for the constant schedule', () => {
    for (const step of [0, 5, 99]) expect(learningRateAt('constant', 1e-3, step, 100)).toBe(1e-3);
  });

  it('follows half a cosine from the base rate to the floor', () => {
    const base = 2e-3;
    expect(learningRateAt('cosine', base, 0, 101)).toBeCloseTo(base, 12);
    expect(learningRateAt('cosine', base, 100, 101)).toBeCloseTo(base * COSINE_FLOOR, 12);
    // Halfway: cos(pi/2) = 0, so (floor + 1) / 2 of the base rate.
    expect(learningRateAt('cosine', base, 50, 101)).toBeCloseTo(
      (base * (1 + COSINE_FLOOR)) / 2,
      12,
    );
    // A quarter: (1 + cos(pi/4)) / 2 = 0.853553...
    const quarter = COSINE_FLOOR + (1 - COSINE_FLOOR) * ((1 + Math.SQRT1_2) / 2);
    expect(learningRateAt('cosine', base, 25, 101)).toBeCloseTo(base * quarter, 12);
    // Monotone non-increasing, and a single step keeps the base rate.
    let previous = Number.POSITIVE_INFINITY;
    for (let step = 0; step < 101; step++) {
      const rate = learningRateAt('cosine', base, step, 101);
      expect(rate).toBeLessThanOrEqual(previous);
      previous = rate;
    }
    expect(learningRateAt('cosine', base, 0, 1)).toBe(base);
  });
});

describe('reinitialise', () => {
  it('draws kernels from He normal (std sqrt(2 / fan-in)) and zeroes biases, without leaks', () => {
    const model = buildUnet({ depth: 2, baseFilters: 8, epochs: 1, learningRate: 1e-3 }, 1, 'm');
    const before = tf.memory().numTensors;
    reinitialise(model, 5);
    expect(tf.memory().numTensors).toBe(before);
    const conv = model.getLayer('bottleneck_conv2');
    const [kernel, bias] = conv.getWeights() as [tf.Tensor, tf.Tensor];
    const [kh, kw, cin] = kernel.shape as number[];
    const values = Array.from(kernel.dataSync() as Float32Array);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    // 3x3x32x32 = 9216 draws: the sample std is within a few percent of sqrt(2 / 288).
    expect(std / Math.sqrt(2 / ((kh as number) * (kw as number) * (cin as number)))).toBeCloseTo(
      1,
      1,
    );
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Array.from(bias.dataSync()).every((b) => b === 0)).toBe(true);
    // Seeded: the same seed gives the same weights, another seed others.
    const again = buildUnet({ depth: 2, baseFilters: 8, epochs: 1, learningRate: 1e-3 }, 9, 'm');
    reinitialise(again, 5);
    expect(Array.from(again.getLayer('bottleneck_conv2').getWeights()[0]!.dataSync())).toEqual(
      values,
    );
    reinitialise(again, 6);
    expect(again.getLayer('bottleneck_conv2').getWeights()[0]!.dataSync()[0]).not.toBe(values[0]);
    model.dispose();
    again.dispose();
  });

  it('refuses a weighted layer it has no rule for', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const output = tfl.layers
      .batchNormalization({ name: 'bn' })
      .apply(tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(input));
    const model = tfl.model({ inputs: input, outputs: output as tfl.SymbolicTensor });
    expect(() => reinitialise(model, 1)).toThrow(
      "reinitialise: layer 'bn' is a BatchNormalization; only Conv2D and Conv2DTranspose weights can be re-drawn here",
    );
    model.dispose();
  });
});
