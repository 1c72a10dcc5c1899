import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { binarize, fromTensor, thresholdSweep, tolerantScores } from '../src';

describe('binarize', () => {
  it('keeps probabilities >= threshold; 8-bit values are v / 255', () => {
    const floats = { data: Float32Array.from([0, 0.49, 0.5, 1]), width: 2, height: 2 };
    expect(Array.from(binarize(floats).data)).toEqual([0, 0, 1, 1]);
    expect(Array.from(binarize(floats, { threshold: 0.49 }).data)).toEqual([0, 1, 1, 1]);
    const bytes = { data: Uint8Array.from([127, 128, 0, 255]), width: 4, height: 1 };
    expect(Array.from(binarize(bytes).data)).toEqual([0, 1, 0, 1]);
    expect(() => binarize(floats, { threshold: 2 })).toThrow(
      'binarize: threshold must be in [0, 1], got 2',
    );
  });
});

describe('fromTensor', () => {
  it('reads [1, h, w, 1], [h, w, 1] and [h, w] tensors without leaking', () => {
    const values = [0.1, 0.9, 0.6, 0.2, 0.7, 0.3];
    const before = tf.memory().numTensors;
    for (const shape of [
      [1, 2, 3, 1],
      [2, 3, 1],
      [2, 3],
    ]) {
      const tensor = tf.tensor(values, shape);
      const map = fromTensor(tensor);
      tensor.dispose();
      expect([map.width, map.height]).toEqual([3, 2]);
      expect(Array.from(map.data)).toEqual(Array.from(Float32Array.from(values)));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('feeds the metrics: a model-like output against a label', () => {
    const probability = tf.tensor4d([0.2, 0.8, 0.9, 0.1], [1, 2, 2, 1]);
    const label = tf.tensor2d([0, 1, 1, 0], [2, 2]);
    const truth = binarize(fromTensor(label));
    const scores = tolerantScores(binarize(fromTensor(probability)), truth, { tolerance: 0 });
    expect(scores).toMatchObject({ precision: 1, recall: 1, tpPred: 2 });
    expect(thresholdSweep(fromTensor(probability), truth).pred[79]).toBe(2); // >= 0.8
    tf.dispose([probability, label]);
  });

  it('rejects tensors that are not one single-channel image', () => {
    const rgb = tf.zeros([2, 2, 3]);
    expect(() => fromTensor(rgb)).toThrow(
      'fromTensor: tensor must have shape [height, width] with optional batch 1 and channel 1, got [2, 2, 3]',
    );
    rgb.dispose();
  });
});
