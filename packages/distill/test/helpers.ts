// Float64 reference implementations written straight from the thesis's equations, independent of
// the package's code, plus small test utilities.
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers op gradients only when tfjs-layers (or @tensorflow/tfjs) is loaded.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

const softplus = (x: number): number =>
  x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Eq 3-5 with p = sigmoid(x): -(1/N) sum [pw y ln p + nw (1 - y) ln(1 - p)]. */
export function weightedCrossEntropy64(
  y: number[],
  x: number[],
  negativeWeight = 0.7,
  positiveWeight = 1,
): number {
  // -ln(sigmoid(x)) = softplus(-x), -ln(1 - sigmoid(x)) = softplus(x), exact in float64.
  return mean(
    y.map(
      (yi, i) =>
        positiveWeight * yi * softplus(-x[i]!) + negativeWeight * (1 - yi) * softplus(x[i]!),
    ),
  );
}

/** Eq 4-4: (1/N) sum [a y max(0, z - q) + b (1 - y) max(0, q - z)]. */
export function sigmoidDistillation64(
  y: number[],
  z: number[],
  q: number[],
  alpha = 0,
  beta = 1,
): number {
  return mean(
    y.map(
      (yi, i) =>
        alpha * yi * Math.max(0, z[i]! - q[i]!) + beta * (1 - yi) * Math.max(0, q[i]! - z[i]!),
    ),
  );
}

/** Eq 4-4 on clip(z, -m, m), in logit or probability space. */
export function sigmoidDistillationVariant64(
  y: number[],
  z: number[],
  q: number[],
  options: { alpha?: number; beta?: number; margin?: number; space?: 'logit' | 'probability' },
): number {
  const { alpha = 0, beta = 1, margin = Number.POSITIVE_INFINITY, space = 'logit' } = options;
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const map = (v: number) => (space === 'probability' ? sigmoid(v) : v);
  return mean(
    y.map((yi, i) => {
      const target = map(Math.min(margin, Math.max(-margin, z[i]!)));
      const student = map(q[i]!);
      return (
        alpha * yi * Math.max(0, target - student) + beta * (1 - yi) * Math.max(0, student - target)
      );
    }),
  );
}

/** T^2 * mean(w * KL(Bernoulli(sigmoid(z/T)) || Bernoulli(sigmoid(q/T)))), from the definition. */
export function binaryKnowledgeDistillation64(
  y: number[],
  z: number[],
  q: number[],
  temperature: number,
  positiveWeight = 1,
  negativeWeight = 1,
): number {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  return (
    temperature *
    temperature *
    mean(
      y.map((yi, i) => {
        const t = sigmoid(z[i]! / temperature);
        const s = sigmoid(q[i]! / temperature);
        const kl = t * Math.log(t / s) + (1 - t) * Math.log((1 - t) / (1 - s));
        return (yi === 1 ? positiveWeight : negativeWeight) * kl;
      }),
    )
  );
}

function softmax64(logits: number[], temperature: number): number[] {
  const scaled = logits.map((v) => v / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Eq 4-3 (KL or cross-entropy of softened softmaxes), classes = last axis of size `classes`. */
export function hinton64(
  z: number[],
  q: number[],
  classes: number,
  temperature: number,
  divergence: 'kl-divergence' | 'cross-entropy' = 'kl-divergence',
  scale = true,
): number {
  const perPosition: number[] = [];
  for (let start = 0; start < z.length; start += classes) {
    const p = softmax64(z.slice(start, start + classes), temperature);
    const s = softmax64(q.slice(start, start + classes), temperature);
    perPosition.push(
      p.reduce(
        (sum, pi, i) =>
          sum +
          (divergence === 'kl-divergence'
            ? pi * (Math.log(pi) - Math.log(s[i]!))
            : -pi * Math.log(s[i]!)),
        0,
      ),
    );
  }
  return mean(perPosition) * (scale ? temperature * temperature : 1);
}

/** Central finite differences of a float64 function. */
export function numericGradient(f: (x: number[]) => number, x: number[], step = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i]! += step;
    minus[i]! -= step;
    return (f(plus) - f(minus)) / (2 * step);
  });
}

export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e))))
      throw new Error(`element ${i}: got ${a}, expected ${e} (tolerance ${tolerance})`);
  }
}

/** Runs `fn`, disposes what it returns, and checks no tensor was left behind. */
export function expectNoLeak<T extends tf.TensorContainer>(fn: () => T): void {
  const before = tf.memory().numTensors;
  tf.dispose(fn());
  expect(tf.memory().numTensors).toBe(before);
}

/** The loss value and its gradient with respect to yPred, as plain numbers. */
export function valueAndGradient(
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
): { value: number; gradient: Float32Array } {
  const before = tf.memory().numTensors;
  const { value, grad } = tf.valueAndGrad((q: tf.Tensor) => loss(yTrue, q))(yPred);
  const out = { value: value.dataSync()[0]!, gradient: grad.dataSync() as Float32Array };
  tf.dispose([value, grad]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}
