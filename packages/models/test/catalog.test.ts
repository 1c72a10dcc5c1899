// Every catalog entry against its files: weights bytes and SHA-256, the model loads in tfjs and
// has the parameters the catalog says, and the default model segments an image deterministically.
import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL_ID, findModel, MODELS, modelFile } from '@crack/models';
import { modelDirectory } from '@crack/models/node';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the catalog', () => {
  it('has exactly one default model, listed first, its uncompressed parent and a teacher', () => {
    expect(MODELS.filter((model) => model.role === 'default')).toHaveLength(1);
    expect(MODELS[0]?.role).toBe('default');
    expect(DEFAULT_MODEL_ID).toBe(MODELS[0]?.id);
    expect(MODELS.filter((model) => model.role === 'uncompressed')).toHaveLength(1);
    // The compressed default is smaller than its parent, in parameters and in MACs.
    const parent = MODELS.find((model) => model.role === 'uncompressed');
    expect(MODELS[0]?.params).toBeLessThan(parent?.params as number);
    expect(MODELS[0]?.macs).toBeLessThan(parent?.macs as number);
    // The teacher for comparison: larger than the parent, scored on a held-out fold only.
    const teachers = MODELS.filter((model) => model.role === 'teacher');
    expect(teachers).toHaveLength(1);
    expect(teachers[0]?.params).toBeGreaterThan(parent?.params as number);
    expect(teachers[0]?.crossValidated?.folds).toBeGreaterThanOrEqual(1);
  });

  it('names the known ids when asked for an unknown one', () => {
    expect(() => findModel('nope')).toThrow(
      `findModel: no bundled model 'nope'; bundled: ${MODELS.map((m) => m.id).join(', ')}`,
    );
    expect(modelFile()).toBe(`models/${DEFAULT_MODEL_ID}/model.json`);
  });

  for (const model of MODELS) {
    it(`${model.id}: files, size, hash and parameters match the catalog`, async () => {
      const dir = modelDirectory(model.id);
      for (const file of ['model.json', 'weights.bin', 'README.md'])
        expect(existsSync(path.join(dir, file)), file).toBe(true);
      const weights = readFileSync(path.join(dir, 'weights.bin'));
      expect(weights.length).toBe(model.bytes);
      expect(createHash('sha256').update(weights).digest('hex')).toBe(model.sha256);
      const before = tf.memory().numTensors;
      const loaded = await tfl.loadLayersModel(nodeFileSystem(dir));
      expect(loaded.countParams()).toBe(model.params);
      const pools = loaded.layers.filter((layer) => layer.getClassName() === 'MaxPooling2D');
      expect(2 ** pools.length).toBe(model.sizeDivisibleBy);
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // The card names the licence restriction of the data.
      expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('non-commercial');
    });
  }

  it('the default model maps an image to one logit per pixel, the same twice', async () => {
    const model = await tfl.loadLayersModel(nodeFileSystem(modelDirectory()));
    const input = tf.randomUniform([1, 64, 96, 3], -1, 1, 'float32', 3);
    const first = model.predict(input) as tf.Tensor;
    const second = model.predict(input) as tf.Tensor;
    expect(first.shape).toEqual([1, 64, 96, 1]);
    expect(Array.from(await first.data())).toEqual(Array.from(await second.data()));
    tf.dispose([input, first, second]);
    model.dispose();
  });
});
