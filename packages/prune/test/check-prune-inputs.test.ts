/**
 * Issue 17 (7): pruneModel checks its images against the model before any work. On main, NaN
 * images failed as "Matrix is not symmetric", sizes not divisible by 4 as a raw tfjs concat4D
 * error, and 0-255 images, classifiers and models without prunable sites passed silently.
 */
import { createUnet } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneModel } from '../src/index';
import { randomImages, tinyUnet, useCpu } from './helpers';

beforeAll(useCpu);

// Any size: depth 2, so two 2x2 poolings and sizes divisible by 4.
const unet = createUnet({ depth: 2, baseFilters: 4, seed: 1 });
afterAll(() => unet.dispose());

describe('pruneModel input checks', () => {
  it('refuses NaN or infinite pixels, naming the index, image, position and channel', async () => {
    const values = randomImages(2, 8, 8, 1).dataSync().slice();
    values[1 * 8 * 8 * 3 + (2 * 8 + 5) * 3 + 1] = Number.NaN;
    const images = tf.tensor4d(values, [2, 8, 8, 3]);
    const before = tf.memory().numTensors;
    await expect(pruneModel(unet, { images })).rejects.toThrow(
      `pruneModel: images holds NaN at index ${64 * 3 + 21 * 3 + 1} (image 1 of 2, y=2, x=5, channel 1); images must be finite`,
    );
    const infinite = tf.fill([1, 8, 8, 3], Number.POSITIVE_INFINITY) as tf.Tensor4D;
    await expect(pruneModel(unet, { images: [infinite] })).rejects.toThrow(
      'pruneModel: images[0] holds Infinity at index 0',
    );
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([images, infinite]);
  });

  it('refuses sizes the model cannot take: not divisible by its downsampling, wrong channels, wrong fixed size', async () => {
    const odd = randomImages(1, 10, 12, 2);
    await expect(pruneModel(unet, { images: odd })).rejects.toThrow(
      /pruneModel: images is 10x12 \(shape \[1, 10, 12, 3\]\), but the model downsamples by 4x4 \(.*pool.*\), so height must be a multiple of 4 and width of 4/,
    );
    const gray = randomImages(1, 8, 8, 2, 1);
    await expect(pruneModel(unet, { images: gray })).rejects.toThrow(
      'pruneModel: images has shape [1, 8, 8, 1] but the model input is [null, null, null, 3]',
    );
    const fixed = tinyUnet();
    const wrongSize = randomImages(1, 8, 8, 2);
    await expect(pruneModel(fixed, { images: [wrongSize] })).rejects.toThrow(
      'pruneModel: images[0] has shape [1, 8, 8, 3] but the model input is [null, 16, 16, 3]',
    );
    tf.dispose([odd, gray, wrongSize]);
    fixed.dispose();
  });

  it('warns about 0-255 images, a non-map output and nothing pruned; only that for good input at ratio 0', async () => {
    const normalised = randomImages(2, 8, 8, 4);
    const good = await pruneModel(unet, { images: normalised, ratio: 0 });
    expect(good.report.warnings).toEqual([
      'pruneModel: nothing was pruned: every chosen group keeps all its channels at this ratio; the model comes back unchanged',
    ]);
    good.model.dispose();

    const raw = tf.tidy(() => tf.mul(tf.add(normalised, 1), 127.5)) as tf.Tensor4D;
    const unnormalised = await pruneModel(unet, { images: raw, ratio: 0 });
    expect(unnormalised.report.warnings).toHaveLength(2);
    expect(unnormalised.report.warnings[0]).toMatch(
      /^pruneModel: the images range over \[[\d.]+, [\d.]+\], outside \[-1\.5, 1\.5\]: the model expects pixels normalised as \(x - 127\.5\) \/ 127\.5/,
    );
    unnormalised.model.dispose();

    // A classifier: conv -> reshape -> dense. Its one conv map feeds a Reshape (channels mixed).
    const input = tfl.input({ shape: [8, 8, 3] });
    let x = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: 'c1' }).apply(input);
    x = tfl.layers.reshape({ targetShape: [36, 2], name: 'r1' }).apply(x);
    x = tfl.layers.flatten().apply(x);
    const classifier = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ units: 3 }).apply(x) as tfl.SymbolicTensor,
    });
    const result = await pruneModel(classifier, { images: normalised });
    expect(result.report.sites).toEqual([]);
    expect(result.report.warnings).toEqual([
      'pruneModel: the model output is [null, 3], not one per-pixel map [batch, height, width, channels]; pruneModel is meant for segmentation networks',
      expect.stringMatching(
        /^pruneModel: nothing was pruned: the model has no prunable channel group \('c1' feeds Reshape 'r1', which rearranges the channels; '.*' is a model output\); the model comes back unchanged$/,
      ),
    ]);
    result.model.dispose();
    classifier.dispose();
    tf.dispose([normalised, raw]);
  });
});
