import {
  distillationLoss,
  packTargets,
  sigmoidDistillation,
  weightedSigmoidCrossEntropy,
} from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClose,
  expectNoLeak,
  numericGradient,
  sigmoidDistillation64,
  useCpu,
  valueAndGradient,
  weightedCrossEntropy64,
} from './helpers';

beforeAll(useCpu);

const y = [0, 1, 0, 1];
const z = [-3, 2, 1, -1];
const q = [1, 0.5, -2, 0];
const shape = [1, 2, 2, 1];
const total64 = (v: number[], softWeight: number) =>
  weightedCrossEntropy64(y, v) + softWeight * sigmoidDistillation64(y, z, v, 0, 1);

describe('distillationLoss (eq 4-5)', () => {
  it('is hard + softWeight * soft, in value and gradient', () => {
    for (const softWeight of [1, 0.25, 0]) {
      const loss = distillationLoss({
        hard: weightedSigmoidCrossEntropy(),
        soft: sigmoidDistillation(),
        softWeight,
      });
      const targets = packTargets(tf.tensor(y, shape), tf.tensor(z, shape));
      const { value, gradient } = valueAndGradient(loss, targets, tf.tensor(q, shape));
      expectClose([value], [total64(q, softWeight)], 1e-6);
      expectClose(
        gradient,
        numericGradient((v) => total64(v, softWeight), q),
        1e-5,
      );
      targets.dispose();
    }
  });

  it('leaks no tensors and validates its options', () => {
    const loss = distillationLoss({
      hard: weightedSigmoidCrossEntropy(),
      soft: sigmoidDistillation(),
    });
    const targets = packTargets(tf.tensor(y, shape), tf.tensor(z, shape));
    const student = tf.tensor(q, shape);
    expectNoLeak(() => loss(targets, student));
    expect(() => distillationLoss({ hard: weightedSigmoidCrossEntropy() } as never)).toThrow(
      'distillationLoss: soft must be a loss function (yTrue, yPred) => scalar',
    );
    expect(() =>
      distillationLoss({
        hard: sigmoidDistillation(),
        soft: sigmoidDistillation(),
        softWeight: -1,
      }),
    ).toThrow('distillationLoss: softWeight must be a finite number >= 0, got -1');
    tf.dispose([targets, student]);
  });
});
