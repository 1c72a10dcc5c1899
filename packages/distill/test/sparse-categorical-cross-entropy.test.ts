import { sparseCategoricalCrossEntropy, sparseCategoricalCrossEntropyLoss } from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeak, numericGradient, useCpu, valueAndGradient } from './helpers';

beforeAll(useCpu);

/** Float64 reference: -(1/N) sum_i w[y_i] * ln softmax(x_i)[y_i], x given pixel-major. */
function sparseCrossEntropy64(y: number[], x: number[], classes: number, w?: number[]): number {
  let total = 0;
  for (let i = 0; i < y.length; i += 1) {
    const row = x.slice(i * classes, (i + 1) * classes);
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    total += (w ? w[y[i]!]! : 1) * (logSum - row[y[i]!]!);
  }
  return total / y.length;
}

// 2 x 3 pixels, 3 classes.
const labels = [0, 2, 1, 1, 0, 2];
const logits = [1, 0, -1, 0.5, 0.5, 2, -2, 3, 0, 0, 0, 0, 4, 1, 1, -1, 2, 0.3];
const labelShape = [1, 2, 3, 1];
const logitShape = [1, 2, 3, 3];

describe('sparseCategoricalCrossEntropy', () => {
  it('matches a hand computation', () => {
    // Two pixels, 2 classes: logits [0, 0] label 0 costs ln 2; logits [ln 3, 0] label 1 costs
    // ln(3 + 1) - 0 = ln 4. Mean: (ln 2 + ln 4) / 2 = 1.5 ln 2. Weights [1, 3]: (ln 2 + 3 ln 4) / 2.
    const y = tf.tensor([0, 1], [1, 1, 2, 1]);
    const x = tf.tensor([0, 0, Math.log(3), 0], [1, 1, 2, 2]);
    const plain = sparseCategoricalCrossEntropy()(y, x);
    const weighted = sparseCategoricalCrossEntropy({ classWeights: [1, 3] })(y, x);
    expect(plain.dataSync()[0]).toBeCloseTo(1.5 * Math.LN2, 6);
    expect(weighted.dataSync()[0]).toBeCloseTo(3.5 * Math.LN2, 6);
    tf.dispose([y, x, plain, weighted]);
  });

  it('matches the float64 closed form, with and without class weights, labels with or without the class axis', () => {
    for (const classWeights of [undefined, [0.2, 1, 5]]) {
      for (const shape of [labelShape, [1, 2, 3]]) {
        const value = sparseCategoricalCrossEntropy({ classWeights })(
          tf.tensor(labels, shape),
          tf.tensor(logits, logitShape),
        );
        expectClose(
          value.dataSync(),
          [sparseCrossEntropy64(labels, logits, 3, classWeights)],
          1e-6,
        );
        value.dispose();
      }
    }
  });

  it('has the gradient of the closed form (central differences)', () => {
    const weights = [0.5, 2, 1.5];
    const { value, gradient } = valueAndGradient(
      sparseCategoricalCrossEntropy({ classWeights: weights }),
      tf.tensor(labels, labelShape),
      tf.tensor(logits, logitShape),
    );
    expectClose([value], [sparseCrossEntropy64(labels, logits, 3, weights)], 1e-6);
    expectClose(
      gradient,
      numericGradient((v) => sparseCrossEntropy64(labels, v, 3, weights), logits),
      1e-5,
    );
  });

  it('stays finite for logits of +-100', () => {
    const { value, gradient } = valueAndGradient(
      sparseCategoricalCrossEntropy(),
      tf.tensor([0, 1], [2, 1]),
      tf.tensor([100, -100, 100, -100], [2, 2]),
    );
    // Right pixel costs ~e^-200, wrong pixel 200: mean 100.
    expect(value).toBeCloseTo(100, 4);
    expectClose(gradient, [0, 0, 0.5, -0.5], 1e-6);
  });

  it('the plain function gives the same value and checks the ids', () => {
    const y = tf.tensor(labels, labelShape);
    const x = tf.tensor(logits, logitShape);
    const value = sparseCategoricalCrossEntropyLoss(y, x);
    expectClose(value.dataSync(), [sparseCrossEntropy64(labels, logits, 3)], 1e-6);
    const bad = tf.tensor([0, 3, 1, 1, 0, 2], labelShape);
    expect(() => sparseCategoricalCrossEntropyLoss(bad, x)).toThrow(
      'sparseCategoricalCrossEntropyLoss: labels must be class ids in [0, 2], got 3 at index 1',
    );
    tf.dispose([y, x, value, bad]);
  });

  it('rejects bad shapes and weights with the field named', () => {
    const y = tf.tensor(labels, labelShape);
    const x = tf.tensor(logits, logitShape);
    expect(() => sparseCategoricalCrossEntropy({ classWeights: [1, 2] })(y, x)).toThrow(
      'sparseCategoricalCrossEntropy: classWeights has 2 entries but the logits have 3 classes',
    );
    expect(() => sparseCategoricalCrossEntropy({ classWeights: [1, -1, 1] })).toThrow(
      'sparseCategoricalCrossEntropy: classWeights[1] must be a finite number >= 0, got -1',
    );
    expect(() => sparseCategoricalCrossEntropy()(tf.tensor([0, 1], [1, 2]), x)).toThrow(
      'sparseCategoricalCrossEntropy: labels shape [1,2] must be the logits shape [1,2,3,3] with the class axis of size 1 or removed',
    );
    tf.dispose([y, x]);
  });

  it('leaves no tensor behind', () => {
    const y = tf.tensor(labels, labelShape);
    const x = tf.tensor(logits, logitShape);
    expectNoLeak(() => sparseCategoricalCrossEntropy({ classWeights: [1, 2, 3] })(y, x));
    expectNoLeak(() => sparseCategoricalCrossEntropyLoss(y, x));
    tf.dispose([y, x]);
  });
});
