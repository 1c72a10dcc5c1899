import { createUnet, thesisStudent } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSegmenter, readModelGeometry } from '../src/index';
import { planTileAxis } from '../src/segmenter/tile-plan';
import { randomValues, startBothBackends, useBackend } from './helpers/backends';
import { linearModel, localModel, rgbImage, sigmoid } from './helpers/segmenter-models';

beforeAll(startBothBackends);
afterAll(() => useBackend('wasm'));

function randomImage(width: number, height: number, seed: number) {
  const noise = randomValues(width * height * 3, seed);
  return {
    data: Uint8Array.from(noise, (v) => Math.floor((v + 1) * 127.99)),
    width,
    height,
    channels: 3,
  };
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

describe('full mode: whole photo in blended tiles', () => {
  it('plans tiles on the size granularity that overlap enough and cover every pixel', () => {
    for (const [length, divisor, tile, overlap] of [
      [1000, 4, 512, 64],
      [513, 16, 512, 64],
      [37, 4, 32, 8],
      [6000, 4, 512, 64],
      [100, 4, 512, 64],
    ] as const) {
      const axis = planTileAxis(length, divisor, tile, overlap, null);
      expect(axis.padded % divisor).toBe(0);
      expect(axis.padded).toBeGreaterThanOrEqual(length);
      for (const start of axis.starts) expect(start % divisor).toBe(0);
      expect(axis.starts.at(-1)! + axis.tile).toBe(axis.padded);
      for (let k = 1; k < axis.starts.length; k++) {
        expect(axis.starts[k - 1]! + axis.tile - axis.starts[k]!).toBeGreaterThanOrEqual(overlap);
      }
      for (const total of axis.total) expect(total).toBeGreaterThan(0);
    }
    // Two tiles overlapping by exactly the overlap: the cross-fade weights add up to 1.
    const exact = planTileAxis(96, 4, 64, 32, null);
    expect(exact.starts).toEqual([0, 32]);
    for (const total of exact.total) expect(total).toBeCloseTo(1, 6);
  });

  it('reads the size granularity from @crack/unet metadata, else from pooling layers', () => {
    const unet = createUnet({ ...thesisStudent, seed: 1 });
    expect(readModelGeometry(unet)).toMatchObject({
      divisor: 4,
      channels: 3,
      fixedSize: null,
      divisorSource: 'unet-metadata',
      outputsProbabilities: false,
    });
    unet.dispose();
    const pooled = linearModel({ pool: true });
    expect(readModelGeometry(pooled)).toMatchObject({ divisor: 2, divisorSource: 'layers' });
    pooled.dispose();
    const local = localModel();
    expect(readModelGeometry(local).divisor).toBe(2);
    local.dispose();
  });

  it('gives the known function at every pixel, through padding and many small tiles', async () => {
    // Pointwise model on an odd size (padding on the right and bottom); pooled model on an even
    // size, constant over aligned 2x2 blocks so max-pool + upsampling keeps logit = 3R - 1.
    for (const [pool, width, height] of [
      [false, 151, 97],
      [true, 152, 98],
    ] as const) {
      const model = linearModel({ a: 3, b: -1, pool });
      const image = rgbImage(width, height, (x, y) => [
        (Math.floor(x / 2) * 37 + Math.floor(y / 2) * 11) % 256,
        9,
        9,
      ]);
      const segmenter = await loadSegmenter(model, { tileSize: 32, tileOverlap: 8 });
      const result = await segmenter.segment(image);
      expect([result.width, result.height, result.probabilities.length]).toEqual([
        width,
        height,
        width * height,
      ]);
      let worst = 0;
      for (let i = 0; i < width * height; i++) {
        const expected = sigmoid((3 * ((image.data[3 * i] as number) - 127.5)) / 127.5 - 1);
        worst = Math.max(worst, Math.abs((result.probabilities[i] as number) - expected));
      }
      expect(worst).toBeLessThan(1e-5);
      segmenter.dispose();
      model.dispose();
    }
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`tiles equal one pass when the overlap covers the receptive field (${backend})`, async () => {
      await useBackend(backend);
      const model = localModel(3);
      const onePass = await loadSegmenter(model, { tileSize: 1024, warmup: false });
      const tiled = await loadSegmenter(model, { tileSize: 64, tileOverlap: 32 });
      for (const [width, height] of [
        [300, 200],
        [301, 203],
      ] as const) {
        const image = randomImage(width, height, width);
        const a = await onePass.segment(image);
        const b = await tiled.segment(image);
        expect(maxDifference(a.probabilities, b.probabilities)).toBeLessThan(1e-5);
        expect(a.mask).toEqual(b.mask);
      }
      onePass.dispose();
      tiled.dispose();
      model.dispose();
      await useBackend('wasm');
    });
  }

  it('blends without visible seams on a real U-Net with the default tiles', async () => {
    const unet = createUnet({ ...thesisStudent, seed: 5 });
    const onePass = await loadSegmenter(unet, { tileSize: 1024, warmup: false });
    const tiled = await loadSegmenter(unet, { tileSize: 128, tileOverlap: 64, warmup: false });
    const image = randomImage(320, 240, 9);
    const a = await onePass.segment(image);
    const b = await tiled.segment(image);
    // The student's receptive field (~ +-20 px) exceeds the discarded 16-px margin, so tiles
    // differ slightly from one pass; the difference stays far below a visible seam.
    expect(maxDifference(a.probabilities, b.probabilities)).toBeLessThan(0.02);
    onePass.dispose();
    tiled.dispose();
    unet.dispose();
  });

  it('accepts gray, RGBA, ImageData-like and tensor inputs alike', async () => {
    const model = linearModel({ a: 2, b: 0.5 });
    const segmenter = await loadSegmenter(model);
    const rgb = rgbImage(40, 30, (x, y) => [
      (x * 5 + y) % 256,
      (x * 5 + y) % 256,
      (x * 5 + y) % 256,
    ]);
    const gray = {
      data: rgb.data.filter((_, i) => i % 3 === 0),
      width: 40,
      height: 30,
      channels: 1,
    };
    const rgba = new Uint8ClampedArray(40 * 30 * 4);
    for (let i = 0; i < 40 * 30; i++) {
      rgba.set([rgb.data[3 * i]!, rgb.data[3 * i + 1]!, rgb.data[3 * i + 2]!, 17], 4 * i);
    }
    const reference = await segmenter.segment(rgb);
    const tensor = tf.tensor3d(rgb.data, [30, 40, 3], 'int32');
    for (const input of [
      gray,
      { data: rgba, width: 40, height: 30, channels: 4 },
      { data: rgba, width: 40, height: 30 }, // ImageData's shape
      tensor,
    ]) {
      const result = await segmenter.segment(input as never);
      expect(maxDifference(result.probabilities, reference.probabilities)).toBeLessThan(1e-6);
    }
    expect(tensor.isDisposed).toBe(false);
    tensor.dispose();
    segmenter.dispose();
    model.dispose();
  });

  it('frees every tensor: tf.memory().numTensors is the same before and after 100 calls', async () => {
    const model = localModel(7);
    const segmenter = await loadSegmenter(model, { tileSize: 32, tileOverlap: 8 });
    const image = randomImage(70, 50, 4);
    await segmenter.segment(image);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 100; k++) {
      await segmenter.segment(image, { mode: k % 2 ? 'full' : 'thesis' });
    }
    expect(tf.memory().numTensors).toBe(before);
    segmenter.dispose();
    expect(tf.memory().numTensors).toBe(before); // the model is the caller's
    model.dispose();
  });
});
