import { hintonDistillation, hintonDistillationLoss, packTargets } from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClose,
  expectNoLeak,
  hinton64,
  numericGradient,
  useCpu,
  valueAndGradient,
} from './helpers';

beforeAll(useCpu);

// Two positions of three classes.
const z = [1, -0.5, 2, 0, 3, -1];
const q = [0.2, 0.4, -1, 1.5, 0.5, 0];
const shape = [2, 3];

describe('hintonDistillation (eq 4-3)', () => {
  it('matches a hand computation at T = 1', () => {
    // Teacher uniform over two classes; student softmax (3/4, 1/4) from logits (ln 3, 0).
    // KL = 1/2 ln(1/2 / 3/4) + 1/2 ln(1/2 / 1/4) = 1/2 ln(4/3); CE = -1/2 (ln 3/4 + ln 1/4) = 1/2 ln(16/3).
    const teacher = tf.tensor([[0, 0]]);
    const student = tf.tensor([[Math.log(3), 0]]);
    const kl = hintonDistillation({ temperature: 1 })(teacher, student);
    const ce = hintonDistillation({ temperature: 1, divergence: 'cross-entropy' })(
      teacher,
      student,
    );
    expect(kl.dataSync()[0]).toBeCloseTo(0.5 * Math.log(4 / 3), 6);
    expect(ce.dataSync()[0]).toBeCloseTo(0.5 * Math.log(16 / 3), 6);
    tf.dispose([teacher, student, kl, ce]);
  });

  it('matches the float64 reference for every option', () => {
    for (const temperature of [1, 2.5, 10])
      for (const divergence of ['kl-divergence', 'cross-entropy'] as const)
        for (const scaleByTemperatureSquared of [true, false]) {
          const options = { temperature, divergence, scaleByTemperatureSquared };
          const expected = hinton64(z, q, 3, temperature, divergence, scaleByTemperatureSquared);
          const value = hintonDistillation(options)(tf.tensor(z, shape), tf.tensor(q, shape));
          const functional = hintonDistillationLoss(
            tf.tensor(z, shape),
            tf.tensor(q, shape),
            options,
          );
          expectClose(value.dataSync(), [expected], 1e-5);
          expectClose(functional.dataSync(), [expected], 1e-5);
          tf.dispose([value, functional]);
        }
  });

  it('reads the teacher half of packed targets', () => {
    const labels = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3);
    const targets = packTargets(labels, tf.tensor(z, shape));
    const value = hintonDistillation({ temperature: 2 })(targets, tf.tensor(q, shape));
    expectClose(value.dataSync(), [hinton64(z, q, 3, 2)], 1e-5);
    tf.dispose([labels, targets, value]);
  });

  it('has the gradient of the float64 reference; KL and cross-entropy share it', () => {
    for (const divergence of ['kl-divergence', 'cross-entropy'] as const) {
      const { gradient } = valueAndGradient(
        hintonDistillation({ temperature: 3, divergence }),
        tf.tensor(z, shape),
        tf.tensor(q, shape),
      );
      expectClose(
        gradient,
        numericGradient((v) => hinton64(z, v, 3, 3, 'kl-divergence'), q),
        1e-5,
      );
    }
  });

  it('stays finite for logits of +-80', () => {
    const teacher = [80, -80, -80, 80];
    const student = [-80, 80, 80, -80];
    const { value, gradient } = valueAndGradient(
      hintonDistillation({ temperature: 1 }),
      tf.tensor(teacher, [2, 2]),
      tf.tensor(student, [2, 2]),
    );
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeCloseTo(160, 3);
    expectClose(gradient, [-0.5, 0.5, 0.5, -0.5], 1e-6);
  });

  it('leaks no tensors and rejects bad input', () => {
    const teacher = tf.tensor(z, shape);
    const student = tf.tensor(q, shape);
    expectNoLeak(() => hintonDistillation({ temperature: 2 })(teacher, student));
    expectNoLeak(() => hintonDistillationLoss(teacher, student, { temperature: 2 }));
    expect(() => hintonDistillation({ temperature: 0 })).toThrow(
      'hintonDistillation: temperature must be a finite number > 0, got 0',
    );
    expect(() => hintonDistillation({} as never)).toThrow(/temperature must be .* got undefined/);
    expect(() => hintonDistillation({ temperature: 1, divergence: 'js' as never })).toThrow(
      /divergence must be 'kl-divergence' or 'cross-entropy', got js/,
    );
    const single = tf.zeros([4, 1]);
    expect(() => hintonDistillation({ temperature: 1 })(single, single)).toThrow(
      /hintonDistillation: the logits need >= 2 classes .* use sigmoidDistillation/,
    );
    tf.dispose([teacher, student, single]);
  });
});
