import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPrunableSites, sampleSite } from '../src/index';
import { randomImages, randomizeWeights, tinyUnet, useCpu } from './helpers';

beforeAll(useCpu);

/** Conv -> (the conv under test) with the given geometry; returns the model and its site. */
function twoConvs(consumer: tfl.layers.Layer) {
  const input = tfl.input({ shape: [9, 11, 2] });
  const producer = tfl.layers.conv2d({
    filters: 5,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    name: 'p',
  });
  const out = consumer.apply(producer.apply(input)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, 5);
  return model;
}

describe('sampleSite', () => {
  const geometries = [
    { padding: 'same', strides: 1, dilationRate: 1, kernelSize: 3 },
    { padding: 'valid', strides: 1, dilationRate: 1, kernelSize: 3 },
    { padding: 'same', strides: 2, dilationRate: 1, kernelSize: 3 },
    { padding: 'valid', strides: 2, dilationRate: 1, kernelSize: [3, 2] },
    { padding: 'same', strides: 1, dilationRate: 2, kernelSize: 3 },
  ] as const;
  for (const geometry of geometries) {
    it(`matches tf.conv2d before the activation (${JSON.stringify(geometry)})`, async () => {
      const consumer = tfl.layers.conv2d({
        filters: 4,
        activation: 'relu',
        name: 'q',
        ...geometry,
      } as never);
      const model = twoConvs(consumer);
      const images = randomImages(3, 9, 11, 6, 2);
      const start = tf.memory().numTensors;
      const samples = await sampleSite(model, 'p', {
        images,
        samplesPerImage: 7,
        seed: 2,
        batchSize: 2,
      });
      expect(tf.memory().numTensors).toBe(start);
      expect(samples.samples).toBe(21);
      expect(samples.kernelArea).toBe(Array.isArray(geometry.kernelSize) ? 6 : 9);
      expect(samples.channelsIn).toBe(5);
      expect(samples.channelsOut).toBe(4);
      // Independent reference: the producer's map through tf.conv2d with the consumer's kernel, no relu.
      const reference = tf.tidy(() => {
        const producer = model.getLayer('p').apply(images) as tf.Tensor4D;
        const [kernel, bias] = consumer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
        return tf.add(
          tf.conv2d(
            producer,
            kernel,
            geometry.strides,
            geometry.padding,
            'NHWC',
            geometry.dilationRate,
          ),
          bias,
        );
      });
      const [, h, w, o] = reference.shape as [number, number, number, number];
      const data = reference.dataSync();
      let negative = 0;
      for (let s = 0; s < samples.samples; s++) {
        const [image, y, x] = [
          samples.positions[3 * s],
          samples.positions[3 * s + 1],
          samples.positions[3 * s + 2],
        ] as [number, number, number];
        expect(y).toBeLessThan(h);
        expect(x).toBeLessThan(w);
        for (let c = 0; c < o; c++) {
          const expected = data[((image * h + y) * w + x) * o + c] as number;
          expect(samples.Y[s * o + c]).toBeCloseTo(expected, 4);
          if (expected < 0) negative++;
        }
      }
      expect(negative).toBeGreaterThan(0); // pre-activation: negative values survive
      reference.dispose();
      images.dispose();
      model.dispose();
    });
  }

  it('samples the same positions for the same seed, from a batch array too', async () => {
    const model = tinyUnet();
    const images = randomImages(4, 16, 16, 7);
    const parts = [
      tf.slice(images, [0, 0, 0, 0], [2, -1, -1, -1]),
      tf.slice(images, [2, 0, 0, 0], [2, -1, -1, -1]),
    ];
    const site = findPrunableSites(model).sites[1] as never;
    const a = await sampleSite(model, site, { images, seed: 4 });
    const b = await sampleSite(model, site, { images: parts as tf.Tensor4D[], seed: 4 });
    expect(Array.from(a.positions)).toEqual(Array.from(b.positions));
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    expect(a.samples).toBe(40);
    for (const t of [images, ...parts]) t.dispose();
    model.dispose();
  });

  it('validates its options', async () => {
    const model = tinyUnet();
    await expect(
      sampleSite(model, 'e1_conv1', { images: tf.zeros([2, 2]) as never }),
    ).rejects.toThrow(
      'sampleSite: images must be a rank-4 tf.Tensor (NHWC batch of normalised images), got rank 2',
    );
    await expect(sampleSite(model, 'e1_conv2', { images: [] })).rejects.toThrow(
      /sampleSite: 'e1_conv2' is not prunable: its map feeds 2 layers/,
    );
    model.dispose();
  });
});
