// The options of sigmoidDistillation (margin, probability space), binaryKnowledgeDistillation and a
// scheduled softWeight, against float64 references written from their definitions.
import {
  binaryKnowledgeDistillation,
  binaryKnowledgeDistillationLoss,
  distillationLoss,
  packTargets,
  sigmoidDistillation,
  sigmoidDistillationLoss,
  weightedSigmoidCrossEntropy,
} from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryKnowledgeDistillation64,
  expectClose,
  expectNoLeak,
  numericGradient,
  sigmoidDistillation64,
  sigmoidDistillationVariant64,
  useCpu,
  valueAndGradient,
  weightedCrossEntropy64,
} from './helpers';

beforeAll(useCpu);

// Teacher logits from very confident to unsure; |clip(z) - q| >= 0.5 at margin 3 (no kinks).
const y = [0, 0, 1, 1, 0, 1, 0, 1];
const z = [-12, 1, 9, 0, -4, 2, 0.5, -1];
const q = [-2, 2, 1, 1, -5, 3.5, -0.5, -3];
const shape = [2, 2, 2, 1];
const packed = () => packTargets(tf.tensor(y, shape), tf.tensor(z, shape));

describe('sigmoidDistillation: margin', () => {
  it('distils towards clip(z, -m, m): a hand computation', () => {
    // y = [0, 0, 1], z = [-12, 1, 9], q = [-2, 2, 1], a = 1, b = 1, m = 3:
    // background: max(0, -2 - (-3)) = 1, max(0, 2 - 1) = 1; crack: max(0, 3 - 1) = 2. Mean 4/3.
    const targets = packTargets(tf.tensor([0, 0, 1], [3, 1]), tf.tensor([-12, 1, 9], [3, 1]));
    const student = tf.tensor([-2, 2, 1], [3, 1]);
    const value = sigmoidDistillation({ alpha: 1, beta: 1, margin: 3 })(targets, student);
    expect(value.dataSync()[0]).toBeCloseTo(4 / 3, 6);
    // Without the margin: 10 + 1 + 8.
    const plain = sigmoidDistillation({ alpha: 1, beta: 1 })(targets, student);
    expect(plain.dataSync()[0]).toBeCloseTo(19 / 3, 5);
    tf.dispose([targets, student, value, plain]);
  });

  it('matches the float64 reference and its finite differences', () => {
    const options = { alpha: 0.5, beta: 1.5, margin: 3 };
    const { value, gradient } = valueAndGradient(
      sigmoidDistillation(options),
      packed(),
      tf.tensor(q, shape),
    );
    expectClose([value], [sigmoidDistillationVariant64(y, z, q, options)], 1e-6);
    expectClose(
      gradient,
      numericGradient((v) => sigmoidDistillationVariant64(y, z, v, options), q),
      1e-5,
    );
  });

  it('equals eq 4-4 when the margin exceeds every teacher logit', () => {
    const targets = packed();
    const student = tf.tensor(q, shape);
    const value = sigmoidDistillation({ margin: 100 })(targets, student);
    expectClose(value.dataSync(), [sigmoidDistillation64(y, z, q)], 1e-6);
    tf.dispose([targets, student, value]);
  });
});

describe("sigmoidDistillation: space 'probability'", () => {
  it('matches the float64 reference and its finite differences', () => {
    for (const options of [
      { alpha: 0, beta: 1, space: 'probability' as const },
      { alpha: 0.7, beta: 1.2, space: 'probability' as const, margin: 3 },
    ]) {
      const { value, gradient } = valueAndGradient(
        sigmoidDistillation(options),
        packed(),
        tf.tensor(q, shape),
      );
      expectClose([value], [sigmoidDistillationVariant64(y, z, q, options)], 1e-6);
      expectClose(
        gradient,
        numericGradient((v) => sigmoidDistillationVariant64(y, z, v, options), q),
        1e-5,
      );
    }
  });

  it('fades where both are saturated, unlike the logit hinge', () => {
    // Background pixel, teacher -13, student -6: the logit hinge pulls with gradient b / N = 1,
    // in probability space the pull is sigmoid'(-6) = 0.00247.
    const targets = packTargets(tf.tensor([0], [1, 1]), tf.tensor([-13], [1, 1]));
    const logit = valueAndGradient(sigmoidDistillation(), targets, tf.tensor([-6], [1, 1]));
    const probability = valueAndGradient(
      sigmoidDistillation({ space: 'probability' }),
      targets,
      tf.tensor([-6], [1, 1]),
    );
    expect(logit.gradient[0]).toBeCloseTo(1, 6);
    const s = 1 / (1 + Math.exp(6));
    expect(probability.gradient[0]).toBeCloseTo(s * (1 - s), 6);
    tf.dispose(targets);
  });

  it('refuses a bad margin or space by name', () => {
    expect(() => sigmoidDistillation({ margin: 0 })).toThrow(
      'sigmoidDistillation: margin must be a number > 0 (or Infinity), got 0',
    );
    expect(() => sigmoidDistillation({ space: 'prob' as 'logit' })).toThrow(
      "sigmoidDistillation: space must be 'logit' or 'probability', got prob",
    );
    const t = tf.zeros([2, 1]);
    expect(() => sigmoidDistillationLoss(t, t, t, { margin: -1 })).toThrow(
      'sigmoidDistillationLoss: margin must be a number > 0 (or Infinity), got -1',
    );
    t.dispose();
  });
});

describe('binaryKnowledgeDistillation', () => {
  it('is 0 where the student equals the teacher, with zero gradient', () => {
    const targets = packed();
    const { value, gradient } = valueAndGradient(
      binaryKnowledgeDistillation({ temperature: 3 }),
      targets,
      tf.tensor(z, shape),
    );
    expect(Math.abs(value)).toBeLessThan(1e-6);
    expectClose(gradient, new Array(z.length).fill(0), 1e-7);
  });

  it('has the closed-form gradient T * w * (sigmoid(q/T) - sigmoid(z/T)) / N', () => {
    const T = 2;
    const [pw, nw] = [1.5, 0.5];
    const { gradient } = valueAndGradient(
      binaryKnowledgeDistillation({ temperature: T, positiveWeight: pw, negativeWeight: nw }),
      packed(),
      tf.tensor(q, shape),
    );
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = q.map(
      (qi, i) => (T * (y[i] === 1 ? pw : nw) * (sigmoid(qi / T) - sigmoid(z[i]! / T))) / q.length,
    );
    expectClose(gradient, expected, 1e-6);
  });

  it('matches the float64 reference and finite differences at several temperatures', () => {
    for (const T of [1, 2, 4]) {
      const { value, gradient } = valueAndGradient(
        binaryKnowledgeDistillation({ temperature: T, negativeWeight: 0.7 }),
        packed(),
        tf.tensor(q, shape),
      );
      expectClose([value], [binaryKnowledgeDistillation64(y, z, q, T, 1, 0.7)], 1e-5);
      expectClose(
        gradient,
        numericGradient((v) => binaryKnowledgeDistillation64(y, z, v, T, 1, 0.7), q),
        1e-5,
      );
      const functional = binaryKnowledgeDistillationLoss(
        tf.tensor(y, shape),
        tf.tensor(z, shape),
        tf.tensor(q, shape),
        { temperature: T, negativeWeight: 0.7 },
      );
      expectClose(functional.dataSync(), [value], 1e-6);
      functional.dispose();
    }
  });

  it('stays finite for logits of +-80', () => {
    const labels = [0, 1, 0, 1];
    const teacher = [-80, 80, 80, -80];
    const student = [80, -80, -80, 80];
    const { value, gradient } = valueAndGradient(
      binaryKnowledgeDistillation({ temperature: 1 }),
      packTargets(tf.tensor(labels, [4, 1]), tf.tensor(teacher, [4, 1])),
      tf.tensor(student, [4, 1]),
    );
    // Each pixel: KL(t = 1 || s = sigmoid(-80)) = -ln sigmoid(-80) = softplus(80) = 80.
    expect(value).toBeCloseTo(80, 3);
    expectClose(gradient, [0.25, -0.25, -0.25, 0.25], 1e-6);
  });

  it('refuses plain labels and bad options, leaks nothing', () => {
    const labels = tf.zeros([1, 4, 4, 1]);
    expect(() => binaryKnowledgeDistillation()(labels, labels)).toThrow(
      'binaryKnowledgeDistillation: yTrue must have 2 channels (label, teacher logit), got 1',
    );
    expect(() => binaryKnowledgeDistillation({ temperature: 0 })).toThrow(
      'binaryKnowledgeDistillation: temperature must be a finite number > 0, got 0',
    );
    const targets = packed();
    const student = tf.tensor(q, shape);
    expectNoLeak(() => binaryKnowledgeDistillation()(targets, student));
    tf.dispose([labels, targets, student]);
  });
});

describe('distillationLoss: scheduled softWeight', () => {
  it('reads the weight function at every call (a warm-up)', () => {
    let step = 0;
    const loss = distillationLoss({
      hard: weightedSigmoidCrossEntropy(),
      soft: sigmoidDistillation(),
      softWeight: () => Math.min(1, step / 4),
    });
    const targets = packed();
    const student = tf.tensor(q, shape);
    const hard = weightedCrossEntropy64(y, q);
    const soft = sigmoidDistillation64(y, z, q);
    for (step = 0; step <= 6; step += 2) {
      const value = loss(targets, student);
      expectClose(value.dataSync(), [hard + Math.min(1, step / 4) * soft], 1e-5);
      value.dispose();
    }
    tf.dispose([targets, student]);
  });

  it('refuses a weight function returning a negative number', () => {
    const loss = distillationLoss({
      hard: weightedSigmoidCrossEntropy(),
      soft: sigmoidDistillation(),
      softWeight: () => -1,
    });
    const targets = packed();
    const student = tf.tensor(q, shape);
    const before = tf.memory().numTensors;
    expect(() => loss(targets, student)).toThrow(
      'distillationLoss: softWeight() must be a finite number >= 0, got -1',
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([targets, student]);
  });
});
