import { packTargets, sigmoidDistillation, sigmoidDistillationLoss } from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClose,
  expectNoLeak,
  numericGradient,
  sigmoidDistillation64,
  useCpu,
  valueAndGradient,
} from './helpers';

beforeAll(useCpu);

// Labels, teacher and student logits; |z - q| >= 0.5 everywhere, so no pixel sits on the kink.
const y = [0, 0, 1, 1, 0, 1, 0, 1];
const z = [-2, 1, 3, 0, -4, 2, 0.5, -1];
const q = [0, 2, 1, 1, -3, 2.5, -0.5, -3];
const shape = [2, 2, 2, 1];
const packed = () => packTargets(tf.tensor(y, shape), tf.tensor(z, shape));

describe('sigmoidDistillation (eq 4-4)', () => {
  it('matches a hand computation', () => {
    // y = [0,0,1,1], z = [-2,1,3,0], q = [0,2,1,1]; a = 0.5, b = 1:
    // background: max(0, 0 + 2) = 2, max(0, 2 - 1) = 1; cracks: 0.5 * max(0, 3 - 1) = 1, 0.5 * 0.
    const targets = packTargets(tf.tensor([0, 0, 1, 1], [4, 1]), tf.tensor([-2, 1, 3, 0], [4, 1]));
    const student = tf.tensor([0, 2, 1, 1], [4, 1]);
    const value = sigmoidDistillation({ alpha: 0.5, beta: 1 })(targets, student);
    expect(value.dataSync()[0]).toBeCloseTo(4 / 4, 6);
    const thesis = sigmoidDistillation()(targets, student); // a = 0, b = 1: (2 + 1) / 4
    expect(thesis.dataSync()[0]).toBeCloseTo(0.75, 6);
    tf.dispose([targets, student, value, thesis]);
  });

  it('matches the float64 reference', () => {
    for (const [alpha, beta] of [
      [0, 1],
      [1, 0],
      [0.3, 2],
    ] as const) {
      const targets = packed();
      const value = sigmoidDistillation({ alpha, beta })(targets, tf.tensor(q, shape));
      expectClose(value.dataSync(), [sigmoidDistillation64(y, z, q, alpha, beta)], 1e-6);
      const functional = sigmoidDistillationLoss(
        tf.tensor(y, shape),
        tf.tensor(z, shape),
        tf.tensor(q, shape),
        { alpha, beta },
      );
      expectClose(functional.dataSync(), [sigmoidDistillation64(y, z, q, alpha, beta)], 1e-6);
      tf.dispose([targets, value, functional]);
    }
  });

  it('has the gradient of the float64 reference away from the kink', () => {
    const { gradient } = valueAndGradient(
      sigmoidDistillation({ alpha: 0.4, beta: 1.3 }),
      packed(),
      tf.tensor(q, shape),
    );
    expectClose(
      gradient,
      numericGradient((v) => sigmoidDistillation64(y, z, v, 0.4, 1.3), q),
      1e-5,
    );
  });

  it('stays finite for logits of +-80', () => {
    const labels = [0, 0, 1, 1];
    const teacher = [-80, 80, 80, -80];
    const student = [80, -80, -80, 80];
    const { value, gradient } = valueAndGradient(
      sigmoidDistillation({ alpha: 1, beta: 1 }),
      packTargets(tf.tensor(labels, [4, 1]), tf.tensor(teacher, [4, 1])),
      tf.tensor(student, [4, 1]),
    );
    expect(value).toBeCloseTo(sigmoidDistillation64(labels, teacher, student, 1, 1), 3);
    expect(value).toBeCloseTo(80, 4);
    expectClose(gradient, [0.25, 0, -0.25, 0], 1e-7);
  });

  it('is 0 with alpha = beta = 0, and so is its gradient', () => {
    const { value, gradient } = valueAndGradient(
      sigmoidDistillation({ alpha: 0, beta: 0 }),
      packed(),
      tf.tensor(q, shape),
    );
    expect(value).toBe(0);
    expect(Array.from(gradient).every((g) => g === 0)).toBe(true);
  });

  it('leaks no tensors', () => {
    const targets = packed();
    const student = tf.tensor(q, shape);
    const [labels, teacher] = [tf.tensor(y, shape), tf.tensor(z, shape)];
    expectNoLeak(() => sigmoidDistillation()(targets, student));
    expectNoLeak(() => sigmoidDistillationLoss(labels, teacher, student));
    const before = tf.memory().numTensors;
    expect(() => sigmoidDistillation()(labels, student)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([targets, student, labels, teacher]);
  });

  it('refuses plain labels (no teacher) with a clear error', () => {
    const labels = tf.zeros([1, 4, 4, 1]);
    const student = tf.zeros([1, 4, 4, 1]);
    expect(() => sigmoidDistillation()(labels, student)).toThrow(
      'sigmoidDistillation: yTrue must have 2 channels (label, teacher logit), got 1',
    );
    expect(() => sigmoidDistillation({ beta: -0.5 })).toThrow(
      'sigmoidDistillation: beta must be a finite number >= 0, got -0.5',
    );
    expect(() => sigmoidDistillationLoss(labels, tf.zeros([4, 4]), student)).toThrow(
      'sigmoidDistillationLoss: labels shape [1,4,4,1] and teacherLogits shape [4,4] must be equal',
    );
    tf.dispose([labels, student]);
  });
});
