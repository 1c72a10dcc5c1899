import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSegmenter, type Segmenter, thesisCrop } from '../src/index';
import { startBothBackends } from './helpers/backends';
import { linearModel, rgbImage, sigmoid } from './helpers/segmenter-models';

// logit = 4 * R (R normalised to [-1, 1]): crack probability sigmoid(4) where red is 255 and
// sigmoid(-4) where it is 0, so every photo pixel's expected probability is known.
const model = () => linearModel({ a: 4, b: 0 });
let segmenter: Segmenter;
beforeAll(async () => {
  await startBothBackends();
  segmenter = await loadSegmenter(model(), { mode: 'thesis' });
});
afterAll(() => {
  segmenter.dispose();
  segmenter.model.dispose();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Checks every photo pixel: 0 outside `region`, else sigmoid(+-4) away from the block's edges. */
async function expectMappedBack(width: number, height: number, region: Box, block: Box) {
  const inBlock = (x: number, y: number) =>
    x >= block.x && x < block.x + block.width && y >= block.y && y < block.y + block.height;
  const image = rgbImage(width, height, (x, y) => (inBlock(x, y) ? [255, 0, 0] : [0, 200, 100]));
  const result = await segmenter.segment(image);
  expect([result.width, result.height, result.mode]).toEqual([width, height, 'thesis']);
  // Resampling (photo -> 480x320 -> photo) blurs edges by about one source pixel per scale step.
  const blur = Math.ceil(Math.max(region.width / 480, region.height / 320, 480 / region.width)) + 2;
  let checked = 0;
  let crackPixels = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = result.probabilities[i] as number;
      const inside =
        x >= region.x &&
        x < region.x + region.width &&
        y >= region.y &&
        y < region.y + region.height;
      if (!inside) {
        expect(p, `(${x}, ${y}) outside the crop`).toBe(0);
        expect(result.mask[i]).toBe(0);
        continue;
      }
      const nearEdge =
        Math.abs(x - block.x) < blur ||
        Math.abs(x - (block.x + block.width)) < blur ||
        Math.abs(y - block.y) < blur ||
        Math.abs(y - (block.y + block.height)) < blur;
      if (nearEdge) continue;
      const expected = sigmoid(inBlock(x, y) ? 4 : -4);
      if (Math.abs(p - expected) > 1e-5) {
        throw new Error(`(${x}, ${y}): probability ${p}, expected ${expected}`);
      }
      expect(result.mask[i]).toBe(inBlock(x, y) ? 1 : 0);
      checked++;
      crackPixels += result.mask[i] as number;
    }
  }
  expect(checked).toBeGreaterThan(0.8 * region.width * region.height);
  expect(crackPixels).toBeGreaterThan(0);
}

describe("thesis mode: the thesis's phone preprocessing, mapped back to the photo", () => {
  it('computes the crop of section 7 for landscape, portrait, odd and extreme aspects', () => {
    expect(thesisCrop(600, 300)).toMatchObject({
      rotated: false,
      region: { x: 75, y: 0, width: 450, height: 300 },
    });
    expect(thesisCrop(300, 600)).toMatchObject({
      rotated: true,
      region: { x: 0, y: 75, width: 300, height: 450 },
      rotatedRegion: { x: 75, y: 0, width: 450, height: 300 },
    });
    expect(thesisCrop(500, 401).region).toEqual({ x: 0, y: 34, width: 500, height: 333 });
    expect(thesisCrop(401, 500).region).toEqual({ x: 34, y: 0, width: 333, height: 500 });
    expect(thesisCrop(480, 320).region).toEqual({ x: 0, y: 0, width: 480, height: 320 });
    expect(thesisCrop(1000, 100).region).toEqual({ x: 425, y: 0, width: 150, height: 100 });
    expect(thesisCrop(4000, 3000)).toMatchObject({
      rotated: false,
      region: { x: 0, y: 166, width: 4000, height: 2667 }, // (3000 - 2667) / 2 = 166.5
    });
    expect(() => thesisCrop(0, 10)).toThrow(/thesisCrop: width must be a positive integer, got 0/);
  });

  it('landscape wider than 3:2: crops the width, keeps the height', async () => {
    await expectMappedBack(
      600,
      300,
      { x: 75, y: 0, width: 450, height: 300 },
      {
        x: 100,
        y: 50,
        width: 100,
        height: 100,
      },
    );
  });

  it('portrait: rotated clockwise for the model, mapped back unrotated', async () => {
    // The block sits in the top-left of the crop: a wrong rotation would move it elsewhere.
    await expectMappedBack(
      300,
      600,
      { x: 0, y: 75, width: 300, height: 450 },
      {
        x: 20,
        y: 100,
        width: 80,
        height: 60,
      },
    );
  });

  it('odd aspects: narrower than 3:2 crops the height (landscape and portrait)', async () => {
    await expectMappedBack(
      500,
      401,
      { x: 0, y: 34, width: 500, height: 333 },
      {
        x: 300,
        y: 60,
        width: 120,
        height: 90,
      },
    );
    await expectMappedBack(
      401,
      500,
      { x: 34, y: 0, width: 333, height: 500 },
      {
        x: 60,
        y: 380,
        width: 90,
        height: 70,
      },
    );
  });

  it('480x320 passes through unchanged: the model sees the photo itself', async () => {
    const image = rgbImage(480, 320, (x, y) => [(x * 7 + y * 3) % 256, 0, 0]);
    const result = await segmenter.segment(image);
    for (let i = 0; i < 480 * 320; i++) {
      const r = image.data[i * 3] as number;
      const expected = sigmoid((4 * (r - 127.5)) / 127.5);
      if (Math.abs((result.probabilities[i] as number) - expected) > 1e-5) {
        throw new Error(`pixel ${i}: ${result.probabilities[i]} vs ${expected}`);
      }
    }
  });

  it('a per-call mode overrides the default, and full mode covers every pixel', async () => {
    const image = rgbImage(600, 300, () => [255, 0, 0]);
    const result = await segmenter.segment(image, { mode: 'full', threshold: 0.9 });
    expect(result.mode).toBe('full');
    expect(result.threshold).toBe(0.9);
    expect(result.mask.every((v) => v === 1)).toBe(true);
    expect(result.backend).toBe(tf.getBackend());
  });
});
