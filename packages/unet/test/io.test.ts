import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUnet, readUnetConfig, type UnetConfig } from '../src/index';
import { nodeFileSystem } from '../src/node';
import { rampImages, useCpu } from './helpers';

let root: string;
beforeAll(async () => {
  await useCpu();
  root = await mkdtemp(path.join(tmpdir(), 'crack-unet-io-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

function predict(model: LayersModel, images: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
}

describe('nodeFileSystem', () => {
  it.each<[string, UnetConfig]>([
    ['standard', { depth: 2, baseFilters: 3 }],
    [
      'separable + batch norm + bilinear',
      {
        depth: 1,
        baseFilters: 4,
        block: 'separable',
        batchNorm: true,
        upsampling: 'bilinear',
        dropout: 0.3,
      },
    ],
  ])('saves and loads a %s U-Net with bit-identical predictions', async (label, config) => {
    const directory = path.join(root, label.replace(/\W+/g, '-'));
    const before = tf.memory().numTensors;
    const model = createUnet({ ...config, seed: 21 });
    const images = rampImages([1, 8, 12, 3]);
    const expected = predict(model, images);

    const result = await model.save(nodeFileSystem(directory));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * model.countParams());
    expect((await readdir(directory)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);

    const loaded = await loadLayersModel(nodeFileSystem(directory));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(predict(loaded, images)).toEqual(expected);
    expect(readUnetConfig(loaded)).toEqual(readUnetConfig(model));

    tf.dispose(images);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('overwrites an earlier save in place and leaves no temporary files', async () => {
    const directory = path.join(root, 'overwrite');
    const first = createUnet({ depth: 1, baseFilters: 2, seed: 1 });
    const second = createUnet({ depth: 1, baseFilters: 2, seed: 2 });
    await first.save(nodeFileSystem(directory));
    await second.save(nodeFileSystem(directory, { weightsFileName: 'second.bin' }));
    await second.save(nodeFileSystem(directory, { weightsFileName: 'second.bin' }));
    expect((await readdir(directory)).sort()).toEqual(['model.json', 'second.bin', 'weights.bin']);
    const loaded = await loadLayersModel(nodeFileSystem(directory));
    const images = rampImages([1, 4, 4, 3]);
    expect(predict(loaded, images)).toEqual(predict(second, images));
    tf.dispose(images);
    for (const model of [first, second, loaded]) model.dispose();
  });

  it('names the file it cannot read', async () => {
    const missing = path.join(root, 'missing');
    await expect(loadLayersModel(nodeFileSystem(missing))).rejects.toThrow(
      `nodeFileSystem: cannot read ${path.join(missing, 'model.json')}`,
    );
  });

  it('refuses weights paths that leave the directory', async () => {
    const directory = path.join(root, 'escape');
    const model = createUnet({ depth: 1, baseFilters: 1, seed: 1 });
    await model.save(nodeFileSystem(directory));
    model.dispose();
    const file = path.join(directory, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.weightsManifest[0].paths = ['../elsewhere.bin'];
    await writeFile(file, JSON.stringify(json));
    await expect(loadLayersModel(nodeFileSystem(directory))).rejects.toThrow(
      "nodeFileSystem: weights path '../elsewhere.bin' leaves",
    );
  });

  // Issue 17 (5): a truncated weights.bin failed as "tensor should have 9216 values but has 3564",
  // naming no file, and leaked the half-built model's variables on every attempt.
  it('names the weights file and both byte counts when it is truncated or too long, leaking nothing', async () => {
    const directory = path.join(root, 'truncated');
    const model = createUnet({ depth: 1, baseFilters: 2, seed: 1 });
    await model.save(nodeFileSystem(directory));
    model.dispose();
    const weightsFile = path.join(directory, 'weights.bin');
    const whole = await readFile(weightsFile);
    const before = tf.memory().numTensors;
    await writeFile(weightsFile, whole.subarray(0, 100));
    await expect(loadLayersModel(nodeFileSystem(directory))).rejects.toThrow(
      `nodeFileSystem: the weights file ${weightsFile} has 100 bytes but ${path.join(directory, 'model.json')} describes ${whole.byteLength} (truncated`,
    );
    await writeFile(weightsFile, Buffer.concat([whole, Buffer.alloc(8)]));
    await expect(loadLayersModel(nodeFileSystem(directory))).rejects.toThrow(
      `has ${whole.byteLength + 8} bytes but ${path.join(directory, 'model.json')} describes ${whole.byteLength} (too long`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates its options', () => {
    expect(() => nodeFileSystem('')).toThrow(
      'nodeFileSystem: directory must be a non-empty string',
    );
    expect(() => nodeFileSystem(root, { weightsFileName: '../w.bin' })).toThrow(
      "nodeFileSystem: weightsFileName must be a plain file name, got '../w.bin'",
    );
  });
});
