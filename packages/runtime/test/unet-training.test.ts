import { setWeightValues, trainStep, weightValues } from '@crack/test-helpers';
import { createUnet, type UnetConfig } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, startBothBackends, useBackend } from './helpers/backends';

// Every block/upsampling/batch-norm combination @crack/unet builds (dropout left out: @crack/unet
// does not seed its mask, so the two backends would drop different units).
const variants: UnetConfig[] = [
  { depth: 2, baseFilters: 4, block: 'standard', upsampling: 'transpose' },
  { depth: 2, baseFilters: 4, block: 'separable', upsampling: 'transpose', batchNorm: true },
  { depth: 2, baseFilters: 4, block: 'standard', upsampling: 'bilinear', batchNorm: true },
  { depth: 3, baseFilters: 4, block: 'separable', upsampling: 'bilinear', headKernel: 1 },
  // Issue 19: the lightweight blocks and backbone encoders (ReLU6, depthwise, grouped convs built
  // from a block-diagonal kernel, channel shuffle, residual adds).
  { depth: 2, baseFilters: 4, block: 'inverted-residual', expansion: 2 },
  { depth: 2, baseFilters: 4, block: 'inverted-residual', batchNorm: true },
  { depth: 2, baseFilters: 4, block: 'fire' },
  { depth: 2, baseFilters: 4, block: 'shuffle', groups: 2, batchNorm: true },
  { depth: 2, baseFilters: 8, block: 'shuffle', groups: 4 },
  { depth: 2, baseFilters: 4, block: 'xception', upsampling: 'bilinear' },
  { depth: 2, baseFilters: 4, encoder: 'resnet' },
  { depth: 2, baseFilters: 4, encoder: 'resnet', resnetBlock: 'bottleneck', encoderBlocks: [1, 2] },
  { depth: 2, baseFilters: 8, encoder: 'mobilenetv2', block: 'inverted-residual', expansion: 2 },
];

const steps = 10;
const size = 16;

async function train(
  backend: 'cpu' | 'wasm',
  config: UnetConfig,
  initial: Float32Array[],
  step: typeof trainStep = trainStep,
  optimizerOf: () => tf.Optimizer = () => tf.train.adam(1e-2),
) {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const model = createUnet({ ...config, inputSize: [size, size], seed: 3 });
  setWeightValues(model, initial);
  const optimizer = optimizerOf();
  const x = tf.tensor4d(randomValues(size * size * 3, 11), [1, size, size, 3]);
  const y = tf.tensor4d(
    randomValues(size * size, 12).map((v) => (v > 0.6 ? 1 : 0)),
    [1, size, size, 1],
  );
  const losses: number[] = [];
  for (let i = 0; i < steps; i += 1) losses.push(step(model, optimizer, x, y));
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

describe('@crack/unet models train on wasm like on cpu', () => {
  beforeAll(startBothBackends);
  for (const config of variants) {
    it(`createUnet ${JSON.stringify(config)}`, async () => {
      await useBackend('cpu');
      const reference = createUnet({ ...config, inputSize: [size, size], seed: 3 });
      const initial = weightValues(reference);
      reference.dispose();
      // The new batch-norm variants (narrow depthwise and group convs between batch norms, with
      // batch norm over 2x2 maps) amplify float noise on this 16x16 toy: one Adam step can turn a
      // 5e-7 difference into 1e-4 (main's mobilenetv2 variant does so at step 9 at 1e-2). At 1e-2
      // they agree to 1e-7 for 5 steps, then 1e-2; at 1e-3 with @crack/wasm-kernels' direct
      // convolution (a different summation order than XNNPACK's, within 1e-6 of cpu per kernel)
      // the inverted-residual one jumps at step 3; at 3e-4 all agree to 1e-5 over the 10 steps
      // and still train. Their gradients are compared one step at a time below.
      const optimizerOf =
        config.batchNorm && !['standard', 'separable'].includes(config.block ?? 'standard')
          ? () => tf.train.adam(3e-4)
          : () => tf.train.adam(1e-2);
      const cpu = await train('cpu', config, initial, trainStep, optimizerOf);
      const wasm = await train('wasm', config, initial, trainStep, optimizerOf);
      expect(wasm[steps - 1]).toBeLessThan(wasm[0] as number);
      for (let i = 0; i < steps; i += 1)
        expect(Math.abs((wasm[i] as number) - (cpu[i] as number))).toBeLessThan(
          1e-3 * Math.max(1, cpu[i] as number),
        );
    });
  }
});

/** The gradient of the sigmoid cross-entropy w.r.t. every trainable weight, one training pass. */
async function firstGradients(
  backend: 'cpu' | 'wasm',
  config: UnetConfig,
  initial: Float32Array[],
) {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const model = createUnet({ ...config, inputSize: [size, size], seed: 3 });
  setWeightValues(model, initial);
  const x = tf.tensor4d(randomValues(size * size * 3, 11), [1, size, size, 3]);
  const y = tf.tensor4d(
    randomValues(size * size, 12).map((v) => (v > 0.6 ? 1 : 0)),
    [1, size, size, 1],
  );
  const { grads, value } = tf.variableGrads(
    () =>
      tf.losses.sigmoidCrossEntropy(
        y,
        model.apply(x, { training: true }) as tf.Tensor,
      ) as tf.Scalar,
  );
  const out = model.trainableWeights.map((w) => grads[w.name]!.dataSync() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('gradient parity: every weight of every block and encoder, wasm vs cpu', () => {
  beforeAll(startBothBackends);
  for (const config of variants.slice(4)) {
    it(`createUnet ${JSON.stringify(config)}`, async () => {
      await useBackend('cpu');
      const reference = createUnet({ ...config, inputSize: [size, size], seed: 3 });
      const initial = weightValues(reference);
      reference.dispose();
      const cpu = await firstGradients('cpu', config, initial);
      const wasm = await firstGradients('wasm', config, initial);
      // Relative to the largest gradient of the model: weights whose exact gradient is 0 (a
      // batch-norm shift or bias whose per-channel constant the next batch norm removes) carry
      // only float noise (1e-9), which a per-weight relative error would blow up.
      let scale = 0;
      for (const g of cpu) for (const v of g) scale = Math.max(scale, Math.abs(v));
      expect(scale).toBeGreaterThan(0);
      cpu.forEach((g, i) => {
        let worst = 0;
        const w = wasm[i]!;
        for (let k = 0; k < g.length; k += 1) worst = Math.max(worst, Math.abs(w[k]! - g[k]!));
        expect(worst / scale).toBeLessThan(1e-4);
      });
    }, 600_000);
  }
});

/** A softmax training step: labels from the 0/1 masks (class 1 where the mask is set, class 2 at
 * every 5th pixel), softmax cross-entropy over 3 logit channels. */
function softmaxStep(
  model: Parameters<typeof trainStep>[0],
  optimizer: tf.Optimizer,
  images: tf.Tensor,
  masks: tf.Tensor,
): number {
  const ids = Int32Array.from(masks.dataSync(), (mask, i) => (i % 5 === 0 ? 2 : mask));
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(ids, 'int32'), 3));
  const cost = optimizer.minimize(() => {
    const logits = model.apply(images, { training: true }) as tf.Tensor;
    return tf.losses.softmaxCrossEntropy(labels, tf.reshape(logits, [-1, 3])) as tf.Scalar;
  }, true);
  const value = (cost as tf.Scalar).dataSync()[0] as number;
  tf.dispose([cost as tf.Scalar, labels]);
  return value;
}

describe('multi-class (softmax head) U-Nets train on wasm like on cpu', () => {
  beforeAll(startBothBackends);
  for (const config of [
    { depth: 2, baseFilters: 4, classes: 3 },
    { depth: 2, baseFilters: 4, classes: 3, block: 'shuffle', encoder: 'resnet' },
  ] as UnetConfig[]) {
    it(`createUnet ${JSON.stringify(config)}`, async () => {
      await useBackend('cpu');
      const reference = createUnet({ ...config, inputSize: [size, size], seed: 3 });
      const initial = weightValues(reference);
      reference.dispose();
      const cpu = await train('cpu', config, initial, softmaxStep);
      const wasm = await train('wasm', config, initial, softmaxStep);
      expect(wasm[steps - 1]).toBeLessThan(wasm[0] as number);
      for (let i = 0; i < steps; i += 1)
        expect(Math.abs((wasm[i] as number) - (cpu[i] as number))).toBeLessThan(
          1e-3 * Math.max(1, cpu[i] as number),
        );
    });
  }
});
