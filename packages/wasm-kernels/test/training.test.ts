import { setWeightValues, trainStep, weightValues } from '@crack/test-helpers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, startBothBackends, useBackend } from './helpers/backends';
import { buildTestUnet, type TestUnetConfig } from './helpers/models';

const variants: Array<[string, TestUnetConfig]> = [
  [
    'thesis-style: conv + pool + transpose',
    { depth: 2, base: 4, block: 'standard', up: 'transpose' },
  ],
  [
    'separable + bilinear + batch norm + dropout',
    { depth: 2, base: 4, block: 'separable', up: 'bilinear', batchNorm: true, dropout: 0.3 },
  ],
  [
    'depth 3, batch norm, dropout, transpose',
    { depth: 3, base: 4, block: 'standard', up: 'transpose', batchNorm: true, dropout: 0.2 },
  ],
  [
    'stride-2 convolutions down, separable, transpose',
    { depth: 2, base: 4, block: 'separable', up: 'transpose', down: 'stride' },
  ],
];

const steps = 20;
const batch = 2;

/** A tiny learnable problem: bright diagonal lines are cracks. */
function problem(): { images: Float32Array; masks: Float32Array } {
  const size = 16 * 16;
  const masks = new Float32Array(batch * size);
  const noise = randomValues(batch * size * 3, 5);
  const images = new Float32Array(batch * size * 3);
  for (let b = 0; b < batch; b += 1)
    for (let y = 0; y < 16; y += 1)
      for (let x = 0; x < 16; x += 1) {
        const crack = (x + y + b * 3) % 7 === 0 ? 1 : 0;
        const i = b * size + y * 16 + x;
        masks[i] = crack;
        for (let c = 0; c < 3; c += 1)
          images[i * 3 + c] = (crack ? 0.8 : -0.5) + 0.3 * (noise[i * 3 + c] as number);
      }
  return { images, masks };
}

async function train(
  backend: 'cpu' | 'wasm',
  config: TestUnetConfig,
  initial: Float32Array[],
): Promise<number[]> {
  await useBackend(backend);
  const { images, masks } = problem();
  const before = tf.memory().numTensors;
  const model = buildTestUnet(config);
  setWeightValues(model, initial);
  const optimizer = tf.train.adam(1e-2);
  const x = tf.tensor4d(images, [batch, 16, 16, 3]);
  const y = tf.tensor4d(masks, [batch, 16, 16, 1]);
  const losses: number[] = [];
  for (let step = 0; step < steps; step += 1) losses.push(trainStep(model, optimizer, x, y));
  x.dispose();
  y.dispose();
  model.dispose();
  optimizer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

describe('training on wasm matches cpu', () => {
  beforeAll(startBothBackends);

  for (const [name, config] of variants) {
    it(`${name}: ${steps} Adam steps, same losses on wasm and cpu`, async () => {
      await useBackend('cpu');
      const reference = buildTestUnet(config);
      const initial = weightValues(reference);
      reference.dispose();

      const cpu = await train('cpu', config, initial);
      const wasm = await train('wasm', config, initial);
      expect(wasm[steps - 1]).toBeLessThan((wasm[0] as number) * 0.9);
      for (let step = 0; step < steps; step += 1) {
        expect(Math.abs((wasm[step] as number) - (cpu[step] as number))).toBeLessThan(
          1e-3 * Math.max(1, Math.abs(cpu[step] as number)),
        );
      }
    });
  }
});
