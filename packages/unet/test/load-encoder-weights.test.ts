import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  loadEncoderWeights,
  predictProbabilities,
  type UnetConfig,
} from '../src/index';
import { nodeFileSystem } from '../src/node';
import { rampImages, useCpu, weightValues } from './helpers';

let root: string;
beforeAll(async () => {
  await useCpu();
  root = await mkdtemp(path.join(tmpdir(), 'crack-unet-encoder-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const isEncoder = (name: string) => !/^(dec[0-9]+_|head\/)/.test(name);

describe('loadEncoderWeights', () => {
  it.each<[string, UnetConfig]>([
    ['resnet', { encoder: 'resnet', resnetBlock: 'bottleneck', encoderBlocks: [1, 2] }],
    ['mobilenetv2', { encoder: 'mobilenetv2' }],
  ])(
    'loads a saved %s encoder by layer name into a new model; the decoder keeps its own weights',
    async (label, config) => {
      const before = tf.memory().numTensors;
      // The "pretrained" encoder: a binary model of this package, trained (here: seeded) and saved.
      const source = createUnet({ ...config, depth: 2, baseFilters: 8, seed: 1 });
      const directory = path.join(root, label);
      await source.save(nodeFileSystem(directory));
      source.dispose();
      const pretrained = await loadLayersModel(nodeFileSystem(directory));

      // The target: the same encoder under a 3-class decoder with other seeds.
      const target = createUnet({ ...config, depth: 2, baseFilters: 8, classes: 3, seed: 2 });
      const fresh = weightValues(target);
      const report = loadEncoderWeights(target, pretrained);
      const loaded = weightValues(target);
      const saved = weightValues(pretrained);

      const encoderWeights = [...loaded.keys()].filter(isEncoder);
      expect(encoderWeights.length).toBeGreaterThan(10);
      expect(report.loaded.sort()).toEqual(encoderWeights.sort());
      for (const name of encoderWeights) expect(loaded.get(name)).toEqual(saved.get(name));
      for (const name of [...loaded.keys()].filter((n) => !isEncoder(n))) {
        expect(loaded.get(name)).toEqual(fresh.get(name));
      }
      // The source's decoder and head were offered and refused by the default filter.
      expect(report.skipped.every((s) => /^(dec[0-9]+_|head\/)/.test(s.name))).toBe(true);
      expect(report.skipped.map((s) => s.reason)).toContain(
        'layer filtered out (decoder or options.layers)',
      );

      const images = rampImages([1, 8, 8, 3]);
      const probabilities = predictProbabilities(target, images);
      expect(probabilities.shape).toEqual([1, 8, 8, 3]);
      // Softmax head: the class probabilities of every pixel sum to 1.
      const sums = tf.tidy(() => tf.sum(probabilities, -1).dataSync());
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
      tf.dispose([images, probabilities]);
      pretrained.dispose();
      target.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('takes a map of named tensors (tf.io.decodeWeights of a weights file)', async () => {
    const source = createUnet({ encoder: 'resnet', depth: 1, baseFilters: 4, seed: 3 });
    const directory = path.join(root, 'weights-only');
    await source.save(nodeFileSystem(directory));
    const json = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8'));
    const bytes = await readFile(path.join(directory, 'weights.bin'));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const named = tf.io.decodeWeights(buffer, json.weightsManifest[0].weights);
    const target = createUnet({ encoder: 'resnet', depth: 1, baseFilters: 4, seed: 4 });
    const report = loadEncoderWeights(target, named);
    expect(report.loaded).toContain('conv1_conv/kernel');
    expect(weightValues(target).get('conv1_conv/kernel')).toEqual(
      weightValues(source).get('conv1_conv/kernel'),
    );
    tf.dispose(Object.values(named));
    source.dispose();
    target.dispose();
  });

  it('skips (or with strict, refuses) weights of another shape, and fails when nothing matches', () => {
    const source = createUnet({ encoder: 'resnet', depth: 1, baseFilters: 4, seed: 5 });
    const wider = createUnet({ encoder: 'resnet', depth: 1, baseFilters: 8, seed: 6 });
    // Every encoder weight differs in shape: nothing loads.
    expect(() => loadEncoderWeights(wider, source)).toThrow(
      /^loadEncoderWeights: no weight matched by layer name and shape; model has conv1_conv\/kernel/,
    );
    expect(() => loadEncoderWeights(wider, source, { strict: true })).toThrow(
      "loadEncoderWeights: conv1_conv/kernel: shape [3, 3, 3, 4] does not match the model's [3, 3, 3, 8]",
    );
    const plain = createUnet({ depth: 1, baseFilters: 4, seed: 7 });
    // A plain U-Net has no layer of the ResNet's names.
    expect(() => loadEncoderWeights(plain, source)).toThrow(
      /^loadEncoderWeights: no weight matched by layer name and shape; model has enc1_conv1\/kernel/,
    );
    source.dispose();
    wider.dispose();
    plain.dispose();
  });
});
