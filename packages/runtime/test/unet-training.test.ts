import { createUnet, type UnetConfig } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, startBothBackends, useBackend } from './helpers/backends';
import { setWeightValues, trainStep, weightValues } from './helpers/models';

// Every block/upsampling/batch-norm combination @crack/unet builds (dropout left out: @crack/unet
// does not seed its mask, so the two backends would drop different units).
const variants: UnetConfig[] = [
  { depth: 2, baseFilters: 4, block: 'standard', upsampling: 'transpose' },
  { depth: 2, baseFilters: 4, block: 'separable', upsampling: 'transpose', batchNorm: true },
  { depth: 2, baseFilters: 4, block: 'standard', upsampling: 'bilinear', batchNorm: true },
  { depth: 3, baseFilters: 4, block: 'separable', upsampling: 'bilinear', headKernel: 1 },
];

const steps = 10;
const size = 16;

async function train(backend: 'cpu' | 'wasm', config: UnetConfig, initial: Float32Array[]) {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const model = createUnet({ ...config, inputSize: [size, size], seed: 3 });
  setWeightValues(model, initial);
  const optimizer = tf.train.adam(1e-2);
  const x = tf.tensor4d(randomValues(size * size * 3, 11), [1, size, size, 3]);
  const y = tf.tensor4d(
    randomValues(size * size, 12).map((v) => (v > 0.6 ? 1 : 0)),
    [1, size, size, 1],
  );
  const losses: number[] = [];
  for (let i = 0; i < steps; i += 1) losses.push(trainStep(model, optimizer, x, y));
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
      const cpu = await train('cpu', config, initial);
      const wasm = await train('wasm', config, initial);
      expect(wasm[steps - 1]).toBeLessThan(wasm[0] as number);
      for (let i = 0; i < steps; i += 1)
        expect(Math.abs((wasm[i] as number) - (cpu[i] as number))).toBeLessThan(
          1e-3 * Math.max(1, cpu[i] as number),
        );
    });
  }
});
