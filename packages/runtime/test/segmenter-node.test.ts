import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeImage, ImageDecodeError } from '@crack/data/image';
import { writePngFile } from '@crack/data/node';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSegmenter as loadBrowserSegmenter } from '../src/index';
import {
  loadSegmenter,
  segmentPhotoOutputs,
  segmentToFiles,
  writeMaskPng,
  writeOutputSet,
  writeOverlayPng,
} from '../src/node';
import { startBothBackends } from './helpers/backends';
import { linearModel, rgbImage, sigmoid } from './helpers/segmenter-models';

let temp: string;
let modelDir: string;
const photo = rgbImage(90, 60, (x, y) =>
  x > 30 && x < 60 && y > 20 && y < 40 ? [255, 0, 0] : [0, 0, 0],
);

beforeAll(async () => {
  await startBothBackends();
  temp = await mkdtemp(path.join(os.tmpdir(), 'crack-runtime-segmenter-'));
  modelDir = path.join(temp, 'model');
  const model = linearModel({ a: 4, b: 0, pool: true });
  await model.save(nodeFileSystem(modelDir));
  model.dispose();
  await writePngFile(path.join(temp, 'photo.png'), photo);
});
afterAll(() => rm(temp, { recursive: true, force: true }));

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('@crack/runtime/node: model paths, image files and bytes, PNG outputs', () => {
  it('loads a model from a folder, a model.json path or a file:// URL and segments a file', async () => {
    for (const source of [
      modelDir,
      path.join(modelDir, 'model.json'),
      pathToFileURL(modelDir).href,
    ]) {
      const segmenter = await loadSegmenter(source);
      expect(segmenter.geometry.divisor).toBe(2);
      const fromFile = await segmenter.segment(path.join(temp, 'photo.png'));
      const fromBytes = await segmenter.segment(await readFile(path.join(temp, 'photo.png')));
      const fromPixels = await segmenter.segment(photo);
      expect(fromFile.probabilities).toEqual(fromPixels.probabilities);
      expect(fromBytes.probabilities).toEqual(fromPixels.probabilities);
      expect(fromFile.probabilities[45 + 30 * 90]).toBeCloseTo(sigmoid(4), 5);
      segmenter.dispose();
    }
  });

  it('writes the mask and the overlay as PNGs', async () => {
    const segmenter = await loadSegmenter(modelDir);
    const result = await segmenter.segment(photo);
    segmenter.dispose();
    await writeMaskPng(path.join(temp, 'out/photo.mask.png'), result.mask, 90, 60);
    await writeOverlayPng(path.join(temp, 'out/photo.overlay.png'), photo, result.mask, {
      color: [0, 255, 0],
      opacity: 1,
    });
    const mask = decodeImage(await readFile(path.join(temp, 'out/photo.mask.png')), {
      channels: 1,
    });
    expect(Array.from(mask.data, (v) => (v ? 1 : 0))).toEqual(Array.from(result.mask));
    const overlay = decodeImage(await readFile(path.join(temp, 'out/photo.overlay.png')), {
      channels: 4,
    });
    const inside = (30 * 90 + 45) * 4;
    expect(Array.from(overlay.data.subarray(inside, inside + 4))).toEqual([0, 255, 0, 255]);
    expect(Array.from(overlay.data.subarray(0, 4))).toEqual([0, 0, 0, 255]);
  });

  it('segmentPhotoOutputs then writeOutputSet writes the bytes and report of segmentToFiles', async () => {
    const segmenter = await loadSegmenter(modelDir);
    const options = { input: 'photo.png', overlay: true, probabilities: true, measure: true };
    const direct = await segmentToFiles(segmenter, photo, {
      ...options,
      base: path.join(temp, 'direct'),
    });
    const { report, files } = await segmentPhotoOutputs(segmenter, photo, {
      ...options,
      base: path.join(temp, 'split'),
    });
    // Nothing is written before writeOutputSet.
    expect(await errorOf(readFile(path.join(temp, 'split.mask.png')))).toHaveProperty(
      'code',
      'ENOENT',
    );
    expect(files.map((f) => f.file)).toEqual(Object.values(report.outputs));
    await writeOutputSet(files);
    const { timings: _a, outputs: directOutputs, ...directRest } = direct;
    const { timings: _b, outputs: splitOutputs, ...splitRest } = report;
    expect(splitRest).toEqual(directRest);
    // The red box x 31..59, y 21..39, widened by the model's 2x2 max pool to whole blocks: x
    // 30..59, y 20..39.
    expect(directRest.crackPixels).toBe(30 * 20);
    for (const kind of ['mask', 'overlay', 'probabilities', 'measurements'] as const)
      expect(await readFile(splitOutputs[kind] as string)).toEqual(
        await readFile(directOutputs[kind] as string),
      );
    expect(
      (await errorOf(segmentPhotoOutputs(segmenter, photo, { input: 'x', base: '' }))).message,
    ).toBe("segmentPhotoOutputs: options.base must be a non-empty path, got ''");
    segmenter.dispose();
  });

  it('bad images: truncated JPEG, text file, 0x0, wrong channel count each say what is wrong', async () => {
    const segmenter = await loadSegmenter(modelDir, { warmup: false });
    const encoded = jpeg.encode(
      { data: new Uint8Array(64 * 48 * 4).fill(128), width: 64, height: 48 },
      90,
    ).data;
    const truncated = await errorOf(segmenter.segment(encoded.subarray(0, encoded.length >> 1)));
    expect(truncated).toBeInstanceOf(ImageDecodeError);
    expect((truncated as ImageDecodeError).problem).toBe('truncated');
    expect(truncated.message).toMatch(/truncated JPEG/);

    const textFile = path.join(temp, 'notes.jpg');
    await writeFile(textFile, 'these are not pixels');
    const text = await errorOf(segmenter.segment(textFile));
    expect((text as ImageDecodeError).problem).toBe('unknown-format');
    expect(text.message).toMatch(/notes\.jpg: not a JPEG or PNG file/);

    const missing = await errorOf(segmenter.segment(path.join(temp, 'nope.png')));
    expect(missing.message).toMatch(/cannot read .*nope\.png/);

    expect(
      (
        await errorOf(
          segmenter.segment({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }),
        )
      ).message,
    ).toBe('segment: image is 0x0; width and height must be positive');
    expect(
      (
        await errorOf(
          segmenter.segment({ data: new Uint8Array(20), width: 2, height: 2, channels: 5 }),
        )
      ).message,
    ).toBe('segment: image.channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got 5');
    expect(
      (
        await errorOf(
          segmenter.segment({ data: new Uint8Array(5), width: 2, height: 2, channels: 3 }),
        )
      ).message,
    ).toMatch(/image\.data has 5 values, expected width\*height\*channels = 2\*2\*3 = 12/);
    const flat = tf.zeros([4, 4]);
    expect((await errorOf(segmenter.segment(flat as never))).message).toMatch(
      /a tensor input must be rank 3 \[height, width, channels\], got rank 2/,
    );
    flat.dispose();
    expect((await errorOf(segmenter.segment(42 as never))).message).toMatch(
      /segment: input must be \{ data, width, height, channels \}/,
    );
    expect((await errorOf(segmenter.segment(photo, { threshold: 2 }))).message).toBe(
      'segment: options.threshold must be a number in [0, 1], got 2',
    );
    expect((await errorOf(segmenter.segment(photo, { mode: 'fast' as 'full' }))).message).toBe(
      "segment: options.mode must be 'full' or 'thesis', got 'fast'",
    );
    segmenter.dispose();
    expect((await errorOf(segmenter.segment(photo))).message).toMatch(/has been disposed/);
  });

  it('bad models: missing, corrupt model.json, missing weights, wrong shape, bad options', async () => {
    expect((await errorOf(loadSegmenter(path.join(temp, 'no-such-model')))).message).toMatch(
      /loadSegmenter: no model at .*no-such-model/,
    );
    const emptyDir = path.join(temp, 'empty');
    await writePngFile(path.join(emptyDir, 'x.png'), photo);
    expect((await errorOf(loadSegmenter(emptyDir))).message).toMatch(/has no model\.json/);

    const corrupt = path.join(temp, 'corrupt');
    await writePngFile(path.join(corrupt, 'x.png'), photo);
    await writeFile(path.join(corrupt, 'model.json'), '{"modelTopology": {"class_name": "Mod');
    expect((await errorOf(loadSegmenter(corrupt))).message).toMatch(
      /loadSegmenter: cannot load the model: nodeFileSystem: cannot read .*model\.json/,
    );
    await writeFile(
      path.join(corrupt, 'model.json'),
      '{"modelTopology": {"class_name": "Nonsense"}}',
    );
    expect((await errorOf(loadSegmenter(corrupt))).message).toMatch(
      /loadSegmenter: cannot load the model/,
    );

    const noWeights = path.join(temp, 'no-weights');
    const saved = linearModel();
    await saved.save(nodeFileSystem(noWeights));
    saved.dispose();
    await rm(path.join(noWeights, 'weights.bin'));
    expect((await errorOf(loadSegmenter(noWeights))).message).toMatch(
      /loadSegmenter: cannot load the model: .*weights\.bin/,
    );

    const twoChannels = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [null, null, 3] as never, filters: 2, kernelSize: 1 }),
      ],
    });
    expect((await errorOf(loadBrowserSegmenter(twoChannels))).message).toMatch(
      /the model output must be \[batch, height, width, 1\]/,
    );
    twoChannels.dispose();
    expect((await errorOf(loadBrowserSegmenter('relative/model.json'))).message).toMatch(
      /loadSegmenter: cannot load the model from relative\/model\.json/,
    );
    expect((await errorOf(loadBrowserSegmenter(42 as never))).message).toMatch(
      /source must be a model\.json URL, a tf\.io\.IOHandler or a tf\.LayersModel, got number/,
    );
    expect((await errorOf(loadSegmenter(modelDir, { tileSize: 3 }))).message).toBe(
      'loadSegmenter: options.tileSize must be an integer in [16, 8192], got 3',
    );
    expect((await errorOf(loadSegmenter(modelDir, { mode: 'x' as 'full' }))).message).toBe(
      "loadSegmenter: options.mode must be 'full' or 'thesis', got 'x'",
    );
  });
});
