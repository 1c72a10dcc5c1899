import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPrunableSites, type PruneProgress, pruneModel } from '../src/index';
import { maxOutputDifference, randomImages, sequentialCnn, tinyUnet, useCpu } from './helpers';

beforeAll(useCpu);

function killFilters(model: tfl.LayersModel, producer: string, dead: number[]): void {
  const layer = model.getLayer(producer);
  const [kernel, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
  const mask = tf.tensor1d(
    Array.from({ length: kernel.shape[3] }, (_, i) => (dead.includes(i) ? 0 : 1)),
  );
  const values = [tf.mul(kernel, mask), tf.mul(bias, mask)];
  layer.setWeights(values);
  for (const t of [mask, ...values]) t.dispose();
}

describe('pruneModel', () => {
  it('ratio 0 gives identical outputs and a separate model', async () => {
    const model = tinyUnet();
    const images = randomImages(3, 16, 16, 12);
    const start = tf.memory().numTensors;
    const { model: pruned, report } = await pruneModel(model, { images, ratio: 0 });
    expect(maxOutputDifference(model, pruned, images)).toBe(0);
    expect(report.sites.every((s) => s.channelsAfter === s.channelsBefore)).toBe(true);
    expect(report.after).toEqual(report.before);
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    model.dispose();
  });

  it('an empty site list gives back an identical, separate model (no forward pass to fail)', async () => {
    const model = tinyUnet();
    const images = randomImages(2, 16, 16, 3);
    const { model: copy, report } = await pruneModel(model, { images, sites: [] });
    expect(report.sites).toEqual([]);
    expect(report.samples).toBe(0);
    expect(maxOutputDifference(model, copy, images)).toBe(0);
    copy.dispose();
    images.dispose();
    model.dispose();
  });

  it('removing filters that are all zero (zero bias, then ReLU) changes nothing', async () => {
    const model = tinyUnet({ seed: 5 });
    killFilters(model, 'e1_conv1', [0, 3, 4, 6]);
    killFilters(model, 'b_conv1', [1, 2, 3, 5, 8, 9, 10, 14]);
    const images = randomImages(4, 16, 16, 13);
    const start = tf.memory().numTensors;
    for (const reconstruct of [false, true]) {
      const { model: pruned, report } = await pruneModel(model, {
        images,
        sites: ['e1_conv1', 'b_conv1'],
        reconstruct,
        samplesPerImage: 40,
      });
      expect(report.sites.map((s) => s.kept)).toEqual([
        [1, 2, 5, 7],
        [0, 4, 6, 7, 11, 12, 13, 15],
      ]);
      expect(Math.max(...report.sites.map((s) => s.errorPruned))).toBeLessThan(
        reconstruct ? 1e-3 : 1e-6,
      );
      expect(maxOutputDifference(model, pruned, images)).toBeLessThan(reconstruct ? 1e-3 : 1e-5);
      pruned.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    model.dispose();
  });

  for (const criterion of ['lasso', 'l1', 'random'] as const) {
    it(`prunes a Sequential CNN (${criterion})`, async () => {
      const model = sequentialCnn(3);
      const images = randomImages(4, 12, 12, 14);
      const start = tf.memory().numTensors;
      const { model: pruned, report } = await pruneModel(model, {
        images,
        criterion,
        samplesPerImage: 10,
      });
      expect(pruned.getLayer('s_conv1').getConfig().filters).toBe(4);
      expect(pruned.getLayer('s_conv2').getConfig().filters).toBe(3);
      // s_conv3 -> pool -> flatten -> dense is a group now (Flatten maps channels to features).
      expect(pruned.getLayer('s_conv3').getConfig().filters).toBe(2);
      expect(report.criterion).toBe(criterion);
      expect(report.samples).toBe(40);
      expect(report.skipped.map((s) => s.producer)).toEqual(['s_dense']);
      for (const site of report.sites) {
        expect(site.kept).toHaveLength(site.channelsAfter);
        expect(site.errorAfter).toBeLessThanOrEqual(site.errorPruned + 1e-6);
      }
      // Weights only: conv1 3*3*3*4, conv2 3*3*4*3, conv3 3*3*3*2, dense (5*5*2)*2.
      expect(report.after.weights).toBe(108 + 108 + 54 + 100);
      expect(report.before.weights).toBe(216 + 432 + 216 + 200);
      const output = tf.tidy(() => (pruned.predict(images) as tf.Tensor).shape);
      expect(output).toEqual([4, 2]);
      pruned.dispose();
      expect(tf.memory().numTensors).toBe(start);
      images.dispose();
      model.dispose();
    });
  }

  it('prunes through batch norm, reports progress and honours perSite', async () => {
    const model = tinyUnet({ batchNorm: true, seed: 7 });
    const images = randomImages(2, 16, 16, 15);
    const progress: PruneProgress[] = [];
    const { model: pruned, report } = await pruneModel(model, {
      images,
      perSite: { b_conv1: 0.75 },
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => `${p.done}/${p.total} ${p.site.producer}`)).toEqual([
      '1/7 e1_conv1',
      '2/7 e1_conv2',
      '3/7 b_conv1',
      '4/7 b_conv2',
      '5/7 d1_up',
      '6/7 d1_conv1',
      '7/7 d1_conv2',
    ]);
    expect(report.sites.map((s) => s.channelsAfter)).toEqual([4, 4, 4, 8, 4, 4, 4]);
    expect(pruned.getLayer('b_conv1_bn').getWeights()[0]?.shape).toEqual([4]);
    expect(findPrunableSites(pruned).sites.map((s) => s.channels)).toEqual([4, 4, 4, 4]);
    // e1_conv2 feeds the pooling and the concatenation: d1_conv1 reads 4 + 4 channels.
    expect(pruned.getLayer('d1_conv1').getWeights()[0]?.shape).toEqual([3, 3, 8, 4]);
    pruned.dispose();
    images.dispose();
    model.dispose();
  });

  it('names bad options', async () => {
    const model = tinyUnet();
    const images = randomImages(1, 16, 16, 16);
    await expect(pruneModel(model, { images, ratio: 1 })).rejects.toThrow(
      'pruneModel: ratio must be a number in [0, 1), got 1',
    );
    await expect(pruneModel(model, { images, sites: ['head'] })).rejects.toThrow(
      "pruneModel: 'head' is not prunable: its map is a model output",
    );
    await expect(pruneModel(model, { images, sites: ['nope'] })).rejects.toThrow(
      "pruneModel: no prunable channel group 'nope'; groups are 'e1_conv1', 'e1_conv2', 'b_conv1', 'b_conv2', 'd1_up', 'd1_conv1', 'd1_conv2'",
    );
    images.dispose();
    model.dispose();
  });
});
