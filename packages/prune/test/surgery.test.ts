import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { findPrunableSites, removeChannels } from '../src/index';
import { maxOutputDifference, randomImages, tinyUnet, useCpu } from './helpers';

beforeAll(useCpu);

/** Zeroes producer filters `dead` (kernel and bias) in place. */
function killFilters(model: tfl.LayersModel, producer: string, dead: number[]): void {
  const layer = model.getLayer(producer);
  const [kernel, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
  const filters = kernel.shape[3];
  const mask = tf.tensor1d(Array.from({ length: filters }, (_, i) => (dead.includes(i) ? 0 : 1)));
  const values = [tf.mul(kernel, mask), tf.mul(bias, mask)];
  layer.setWeights(values);
  for (const t of [mask, ...values]) t.dispose();
}

describe('removeChannels', () => {
  it('removes dead filters exactly (functional U-Net)', async () => {
    const model = tinyUnet();
    const images = randomImages(2, 16, 16, 9);
    const site = findPrunableSites(model).sites.find((s) => s.producer === 'b_conv1');
    if (!site) throw new Error('no site');
    killFilters(model, 'b_conv1', [1, 4, 5, 9, 15]);
    const start = tf.memory().numTensors;
    const kept = [0, 2, 3, 6, 7, 8, 10, 11, 12, 13, 14];
    const pruned = await removeChannels(model, { site, kept });
    expect(pruned.getLayer('b_conv1').getConfig().filters).toBe(11);
    expect((pruned.getLayer('b_conv2').getWeights()[0] as tf.Tensor).shape).toEqual([3, 3, 11, 16]);
    expect(maxOutputDifference(model, pruned, images)).toBeLessThan(1e-5);
    expect(model.getLayer('b_conv1').getConfig().filters).toBe(16); // input untouched
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(start);
    images.dispose();
    model.dispose();
  });

  it('slices BatchNormalization entries with the filters', async () => {
    const model = tinyUnet({ batchNorm: true });
    const site = findPrunableSites(model).sites[0];
    if (!site) throw new Error('no site');
    const pruned = await removeChannels(model, { site, kept: [1, 2, 5] });
    const bn = pruned.getLayer('e1_conv1_bn').getWeights();
    expect(bn.map((w) => w.shape)).toEqual([[3], [3], [3], [3]]);
    const before = Array.from(model.getLayer('e1_conv1_bn').getWeights()[0]?.dataSync() ?? []);
    expect(Array.from(bn[0]?.dataSync() ?? [])).toEqual([before[1], before[2], before[5]]);
    pruned.dispose();
    model.dispose();
  });

  it('gives a model that saves and loads', async () => {
    const model = tinyUnet();
    const images = randomImages(1, 16, 16, 10);
    const site = findPrunableSites(model).sites[0];
    if (!site) throw new Error('no site');
    const pruned = await removeChannels(model, { site, kept: [0, 3, 7] });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await pruned.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.getLayer('e1_conv1').getConfig().filters).toBe(3);
    expect(maxOutputDifference(pruned, loaded, images)).toBe(0);
    for (const m of [loaded, pruned, model]) m.dispose();
    images.dispose();
  });

  it('validates kept', async () => {
    const model = tinyUnet();
    const site = findPrunableSites(model).sites[0];
    if (!site) throw new Error('no site');
    await expect(removeChannels(model, { site, kept: [0, 8] })).rejects.toThrow(
      'removeChannels: kept[1] must be an integer in [0, 7], got 8',
    );
    model.dispose();
  });
});
