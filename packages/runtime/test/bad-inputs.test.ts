/**
 * Issue 17, items 5 and 8: a truncated or mismatched weights file names the file and both byte
 * counts and leaks nothing; NaN/Infinity pixels are refused with their index; a model whose
 * output has unknown dimensions is described as [null, null, null, 3], not [, , , 3].
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSegmenter } from '../src/io/load-node-segmenter';
import { startBothBackends, useBackend } from './helpers/backends';
import { localModel } from './helpers/segmenter-models';

let temp: string;
beforeAll(async () => {
  await startBothBackends();
  await useBackend('cpu');
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-runtime-bad-'));
});
afterAll(() => rm(temp, { recursive: true, force: true }));

async function savedModel(name: string): Promise<string> {
  const dir = path.join(temp, name);
  const model = localModel(3);
  await model.save(nodeFileSystem(dir));
  model.dispose();
  return dir;
}

describe('loading a damaged model', () => {
  it('names the weights file and the expected and actual byte counts when it is truncated', async () => {
    const dir = await savedModel('truncated');
    const weights = path.join(dir, 'weights.bin');
    const whole = await readFile(weights);
    await writeFile(weights, whole.subarray(0, 40));
    const before = tf.memory().numTensors;
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(loadSegmenter(dir, { warmup: false })).rejects.toThrow(
        `the weights file ${weights} has 40 bytes but ${path.join(dir, 'model.json')} describes ${whole.byteLength} (truncated`,
      );
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees the half-built model when the weights do not fit it (same size, other shapes)', async () => {
    const dir = await savedModel('mismatched');
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    // Swap the first kernel's and bias's shapes: the byte count still fits, the shapes do not.
    const specs = json.weightsManifest[0].weights as Array<{ name: string; shape: number[] }>;
    specs[0]!.shape = [specs[0]!.shape.reduce((a, b) => a * b, 1)];
    await writeFile(file, JSON.stringify(json));
    const before = tf.memory().numTensors;
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(loadSegmenter(dir, { warmup: false })).rejects.toThrow(/cannot load the model/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints unknown output dimensions as null', async () => {
    const input = tfl.input({ shape: [null, null, 3] });
    const output = tfl.layers
      .conv2d({ filters: 3, kernelSize: 1 })
      .apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    await expect(loadSegmenter(model, { warmup: false })).rejects.toThrow(
      'the model output must be [batch, height, width, 1] (one crack logit per pixel), got [null, null, null, 3]',
    );
    model.dispose();
  });
});

describe('segment() with non-finite pixels', () => {
  it('refuses NaN and Infinity with the index, pixel and channel', async () => {
    const model = localModel(1);
    const segmenter = await loadSegmenter(model, { warmup: false });
    const data = new Float32Array(8 * 4 * 3).fill(100);
    data[3 * 5 + 1] = Number.NaN;
    const before = tf.memory().numTensors;
    await expect(segmenter.segment({ data, width: 8, height: 4, channels: 3 })).rejects.toThrow(
      'segment: image.data[16] is NaN (pixel x=5, y=0, channel 1); pixels must be finite values in 0-255',
    );
    data[16] = 100;
    data[95] = Number.POSITIVE_INFINITY;
    await expect(segmenter.segment({ data, width: 8, height: 4, channels: 3 })).rejects.toThrow(
      'segment: image.data[95] is Infinity (pixel x=7, y=3, channel 2)',
    );
    const tensor = tf.fill([4, 8, 3], Number.NaN);
    await expect(segmenter.segment(tensor as tf.Tensor3D)).rejects.toThrow(
      'segment: tensor.data[0] is NaN (pixel x=0, y=0, channel 0)',
    );
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
    segmenter.dispose();
    model.dispose();
  });
});
