// Crack-aware sampling: a planted crack (a stripe the model itself labels crack) must get its share
// of the sampled positions, at the consumer's resolution, while uniform sampling barely sees it.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pruneModel, sampleSite } from '../src/index';
import { crackPositions } from '../src/sampling';
import { useCpu } from './helpers';

beforeAll(useCpu);

const [H, W] = [16, 24];
const STRIPE_COLUMN = 7; // crack pixels: column 7 of every row (1/24 of the image)

/**
 * input -> 2x2 max-pool -> producer 1x1 (relu) -> consumer 3x3 -> upsample -> 1x1 head: the head
 * outputs 10 * x0 - 5 (x0 pooled), so the model "sees" a crack where input channel 0 is 1. The
 * site p -> q works at half resolution: the crack column 7 is column 3 there.
 */
function stripeModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [H, W, 3] });
  const producer = tfl.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'p' });
  const pool = tfl.layers.maxPooling2d({ poolSize: 2 });
  const consumer = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'q' });
  const up = tfl.layers.upSampling2d({ size: [2, 2] });
  const head = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'head' });
  const features = producer.apply(pool.apply(input)) as tfl.SymbolicTensor;
  const model = tfl.model({
    inputs: input,
    outputs: head.apply(up.apply(consumer.apply(features))) as tfl.SymbolicTensor,
  });
  // producer: channel 0 copies x0, the others x1, x2 and x0 + x1; consumer: centre tap identity.
  const pk = new Float32Array(3 * 4);
  pk[0 * 4 + 0] = 1;
  pk[1 * 4 + 1] = 1;
  pk[2 * 4 + 2] = 1;
  pk[0 * 4 + 3] = 1;
  pk[1 * 4 + 3] = 1;
  producer.setWeights([tf.tensor4d(pk, [1, 1, 3, 4]), tf.zeros([4])]);
  const ck = new Float32Array(9 * 4 * 4);
  for (let c = 0; c < 4; c++) ck[(4 * 4 + c) * 4 + c] = 1;
  consumer.setWeights([tf.tensor4d(ck, [3, 3, 4, 4]), tf.zeros([4])]);
  head.setWeights([tf.tensor4d([10, 0, 0, 0], [1, 1, 4, 1]), tf.tensor1d([-5])]);
  return model;
}

function stripeImages(count: number): tf.Tensor4D {
  return tf.tidy(() => {
    const data = new Float32Array(count * H * W * 3);
    for (let i = 0; i < count * H * W; i++) {
      const x = i % W;
      data[i * 3] = x === STRIPE_COLUMN ? 1 : 0;
      data[i * 3 + 1] = ((i * 7919) % 13) / 13; // texture in the other channels
      data[i * 3 + 2] = ((i * 104729) % 17) / 17;
    }
    return tf.tensor4d(data, [count, H, W, 3]);
  });
}

/** Positions (image, row, column triples) in the crack column at the consumer's half resolution. */
const onStripe = (positions: Int32Array): number => {
  let count = 0;
  for (let s = 0; s < positions.length; s += 3)
    if (positions[s + 2] === Math.floor(STRIPE_COLUMN / 2)) count++;
  return count;
};

describe('crackPositions', () => {
  it('maps output pixels at or above the threshold to the consumer blocks that cover them', () => {
    // Output 4x6 (one image, one channel); consumer map 2x3: blocks of 2x2 output pixels.
    const logits = new Float32Array(4 * 6).fill(-3);
    logits[1 * 6 + 4] = 2; // block (0, 2)
    logits[3 * 6 + 0] = 0; // exactly the threshold: block (1, 0)
    expect(crackPositions(logits, [1, 4, 6, 1], 0, { height: 2, width: 3 }, 0)).toEqual([2, 3]);
    expect(crackPositions(logits, [1, 4, 6, 1], 0, { height: 2, width: 3 }, 1)).toEqual([2]);
    // Same resolution: the pixel itself.
    expect(crackPositions(logits, [1, 4, 6, 1], 0, { height: 4, width: 6 }, 1)).toEqual([10]);
  });
});

describe('sampleSite with crackFraction', () => {
  it('gives the planted crack its share of the positions; uniform sampling barely sees it', async () => {
    const model = stripeModel();
    const images = stripeImages(4);
    const start = tf.memory().numTensors;
    const uniform = await sampleSite(model, 'p', { images, samplesPerImage: 60, seed: 3 });
    expect(uniform.samples).toBe(240);
    const aware = await sampleSite(model, 'p', {
      images,
      samplesPerImage: 60,
      seed: 3,
      crackFraction: 0.5,
    });
    expect(tf.memory().numTensors).toBe(start);
    // Uniform: the crack column is 1 of 12 consumer columns -> about 20 of 240.
    expect(onStripe(uniform.positions)).toBeLessThan(45);
    // Crack-aware: 30 per image from the crack column, plus the uniform share of the rest.
    expect(onStripe(aware.positions)).toBeGreaterThanOrEqual(120);
    expect(onStripe(aware.positions)).toBeLessThan(150);
    tf.dispose(images);
    model.dispose();
  });

  it('falls back to uniform positions on an image without crack', async () => {
    const model = stripeModel();
    const images = tf.zeros([2, H, W, 3]) as tf.Tensor4D;
    const uniform = await sampleSite(model, 'p', { images, samplesPerImage: 20, seed: 9 });
    const aware = await sampleSite(model, 'p', {
      images,
      samplesPerImage: 20,
      seed: 9,
      crackFraction: 1,
    });
    expect(Array.from(aware.positions)).toEqual(Array.from(uniform.positions));
    tf.dispose(images);
    model.dispose();
  });

  it('refuses a fraction outside [0, 1] and a threshold outside (0, 1)', async () => {
    const model = stripeModel();
    const images = stripeImages(1);
    await expect(sampleSite(model, 'p', { images, crackFraction: 1.5 })).rejects.toThrow(
      'sampleSite: crackFraction',
    );
    await expect(sampleSite(model, 'p', { images, crackThreshold: 1 })).rejects.toThrow(
      'sampleSite: crackThreshold',
    );
    await expect(pruneModel(model, { images, crackFraction: -0.1, sites: [] })).rejects.toThrow(
      'pruneModel: crackFraction',
    );
    tf.dispose(images);
    model.dispose();
  });
});
