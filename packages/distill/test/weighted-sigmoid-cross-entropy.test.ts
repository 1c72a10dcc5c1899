import {
  packTargets,
  weightedSigmoidCrossEntropy,
  weightedSigmoidCrossEntropyLoss,
} from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectClose,
  expectNoLeak,
  numericGradient,
  useCpu,
  valueAndGradient,
  weightedCrossEntropy64,
} from './helpers';

beforeAll(useCpu);

const y = [1, 0, 1, 0, 1, 0];
const x = [2, -1, 0, 3, -2.5, 0.5];
const shape = [1, 2, 3, 1];

describe('weightedSigmoidCrossEntropy (eq 3-5)', () => {
  it('matches a hand computation on two pixels', () => {
    // y = [1, 0], x = [0, 0]: p = 1/2, so l = (ln 2 + 0.7 ln 2) / 2 = 0.85 ln 2.
    const loss = weightedSigmoidCrossEntropy()(
      tf.tensor([1, 0], [1, 2, 1]),
      tf.tensor([0, 0], [1, 2, 1]),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0.85 * Math.LN2, 6);
    loss.dispose();
  });

  it('matches the float64 reference for default and custom weights', () => {
    for (const [negativeWeight, positiveWeight] of [
      [0.7, 1],
      [1, 1],
      [0.2, 3],
    ] as const) {
      const loss = weightedSigmoidCrossEntropy({ negativeWeight, positiveWeight });
      const value = loss(tf.tensor(y, shape), tf.tensor(x, shape));
      expectClose(
        value.dataSync(),
        [weightedCrossEntropy64(y, x, negativeWeight, positiveWeight)],
        1e-6,
      );
      value.dispose();
    }
  });

  it('reads only the labels from packed targets', () => {
    const teacher = tf.tensor([9, -9, 9, -9, 9, -9], shape);
    const packed = packTargets(tf.tensor(y, shape), teacher);
    const value = weightedSigmoidCrossEntropy()(packed, tf.tensor(x, shape));
    expectClose(value.dataSync(), [weightedCrossEntropy64(y, x)], 1e-6);
    tf.dispose([teacher, packed, value]);
  });

  it('has the gradient of the float64 reference (central differences)', () => {
    const { value, gradient } = valueAndGradient(
      weightedSigmoidCrossEntropy({ negativeWeight: 0.7, positiveWeight: 1.5 }),
      tf.tensor(y, shape),
      tf.tensor(x, shape),
    );
    expectClose([value], [weightedCrossEntropy64(y, x, 0.7, 1.5)], 1e-6);
    expectClose(
      gradient,
      numericGradient((v) => weightedCrossEntropy64(y, v, 0.7, 1.5), x),
      1e-5,
    );
  });

  it('stays finite for logits of +-80 (p is exactly 0 or 1 in float32)', () => {
    const big = [80, -80, 80, -80];
    const labels = [1, 1, 0, 0];
    const { value, gradient } = valueAndGradient(
      weightedSigmoidCrossEntropy(),
      tf.tensor(labels, [4, 1]),
      tf.tensor(big, [4, 1]),
    );
    // Wrong-side pixels cost |x|: (80 + 0.7 * 80) / 4 = 34; the right-side ones about e^-80.
    expect(value).toBeCloseTo(34, 4);
    expectClose([value], [weightedCrossEntropy64(labels, big)], 1e-6);
    expect(Array.from(gradient).every(Number.isFinite)).toBe(true);
    expectClose(gradient, [0, -0.25, 0.7 / 4, 0], 1e-6);
  });

  it('the functional form gives the same value', () => {
    const value = weightedSigmoidCrossEntropyLoss(tf.tensor(y, shape), tf.tensor(x, shape), {
      negativeWeight: 0.5,
    });
    expectClose(value.dataSync(), [weightedCrossEntropy64(y, x, 0.5, 1)], 1e-6);
    value.dispose();
  });

  it('leaks no tensors', () => {
    const labels = tf.tensor(y, shape);
    const logits = tf.tensor(x, shape);
    const packed = packTargets(labels, tf.zerosLike(logits));
    expectNoLeak(() => weightedSigmoidCrossEntropy()(labels, logits));
    expectNoLeak(() => weightedSigmoidCrossEntropy()(packed, logits));
    expectNoLeak(() => weightedSigmoidCrossEntropyLoss(labels, logits));
    tf.dispose([labels, logits, packed]);
  });

  it('rejects bad options and shapes with messages that name them', () => {
    expect(() => weightedSigmoidCrossEntropy({ negativeWeight: -1 })).toThrow(
      'weightedSigmoidCrossEntropy: negativeWeight must be a finite number >= 0, got -1',
    );
    expect(() => weightedSigmoidCrossEntropy({ positiveWeight: Number.NaN })).toThrow(
      /positiveWeight/,
    );
    const before = tf.memory().numTensors;
    const labels = tf.zeros([1, 4, 4, 3]);
    const logits = tf.zeros([1, 4, 4, 1]);
    expect(() => weightedSigmoidCrossEntropy()(labels, logits)).toThrow(
      /^weightedSigmoidCrossEntropy: yTrue shape \[1,4,4,3\] does not fit yPred shape \[1,4,4,1\]/,
    );
    expect(() => weightedSigmoidCrossEntropyLoss(labels, logits)).toThrow(
      'weightedSigmoidCrossEntropyLoss: labels shape [1,4,4,3] and logits shape [1,4,4,1] must be equal',
    );
    tf.dispose([labels, logits]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
