// The onnxruntime-node engine: the same masks as tfjs, its choice reported, its fallbacks.
import { existsSync, readdirSync } from 'node:fs';
import { createUnet, thesisStudent } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSegmenter, SEGMENTER_DEFAULTS } from '../src/index';
import { startBothBackends } from './helpers/backends';
import { localModel, rgbImage } from './helpers/segmenter-models';

/** A road-like test photo: noise, a dark diagonal crack. */
const photo = (width: number, height: number) =>
  rgbImage(width, height, (x, y) => {
    const crack = Math.abs(x - 1.3 * y - 40) < 3 ? -90 : 0;
    const v = 120 + ((x * 37 + y * 91) % 61) + crack;
    return [v, v + 5, v - 5];
  });

/** Largest |a - b|. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++)
    max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Pixels whose mask differs, not counting those within `margin` of the threshold. */
function maskDisagreements(
  a: Uint8Array,
  b: Uint8Array,
  probabilities: Float32Array,
  threshold: number,
  margin: number,
): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs((probabilities[i] as number) - threshold) < margin) continue;
    if (a[i] !== b[i]) count += 1;
  }
  return count;
}

const TOLERANCE = 1e-4;

describe('engine onnxruntime (onnxruntime-node is a dev dependency here)', () => {
  beforeAll(startBothBackends);
  afterEach(() => {
    delete process.env.CRACK_ENGINE;
  });

  it('the thesis student gives the same probabilities and masks as tfjs in both modes', async () => {
    const model = createUnet({ ...thesisStudent, seed: 3 });
    const before = tf.memory().numTensors;
    const onTfjs = await loadSegmenter(model, { engine: 'tfjs', tileSize: 256, tileOverlap: 32 });
    const onOnnx = await loadSegmenter(model, {
      engine: 'onnxruntime',
      tileSize: 256,
      tileOverlap: 32,
    });
    expect(onTfjs.engine).toEqual({ engine: 'tfjs', reason: 'tfjs requested' });
    expect(onOnnx.engine).toEqual({
      engine: 'onnxruntime',
      reason: 'onnxruntime-node 1.30.0 installed',
    });
    // 600x410: several tiles of 256 with overlaps, and edge tiles; 240x160: one tile, the photo;
    // 480x320 and 300x500 for thesis mode.
    for (const [image, mode] of [
      [photo(600, 410), 'full'],
      [photo(240, 160), 'full'], // one tile that is the photo
      [photo(480, 320), 'thesis'],
      [photo(300, 500), 'thesis'],
    ] as const) {
      const expected = await onTfjs.segment(image, { mode });
      const actual = await onOnnx.segment(image, { mode });
      expect(actual.engine).toBe('onnxruntime');
      expect(expected.engine).toBe('tfjs');
      expect(maxDiff(actual.probabilities, expected.probabilities)).toBeLessThan(TOLERANCE);
      expect(
        maskDisagreements(actual.mask, expected.mask, expected.probabilities, 0.5, TOLERANCE),
      ).toBe(0);
      // A real test: the masks are not trivially empty or full.
      const crack = expected.mask.reduce((sum, v) => sum + v, 0);
      expect(crack).toBeGreaterThan(0);
      expect(crack).toBeLessThan(expected.mask.length);
    }
    onTfjs.dispose();
    onOnnx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("'auto' picks onnxruntime when installed; CRACK_ENGINE=tfjs overrides the option", async () => {
    const model = localModel(2);
    const auto = await loadSegmenter(model, {});
    expect(auto.engine.engine).toBe('onnxruntime');
    auto.dispose();
    process.env.CRACK_ENGINE = 'tfjs';
    const forced = await loadSegmenter(model, { engine: 'onnxruntime' });
    expect(forced.engine).toEqual({ engine: 'tfjs', reason: 'CRACK_ENGINE=tfjs; tfjs requested' });
    const result = await forced.segment(photo(64, 48));
    expect(result.engine).toBe('tfjs');
    forced.dispose();
    model.dispose();
  });

  it('falls back to tfjs, with a warning when onnxruntime was asked for, if the model does not export', async () => {
    const input = tfl.input({ shape: [null, null, 3] });
    let x = tfl.layers
      .conv2d({ filters: 1, kernelSize: 3, padding: 'same' })
      .apply(input) as tfl.SymbolicTensor;
    // Cropping2D has no ONNX conversion in @crack/export; padding back keeps the size.
    x = tfl.layers.cropping2D({ cropping: [1, 1] }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.zeroPadding2d({ padding: 1 }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: x });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const auto = await loadSegmenter(model, {});
      expect(auto.engine.engine).toBe('tfjs');
      expect(auto.engine.reason).toMatch(
        /^onnxruntime-node 1\.30\.0 installed; the model cannot run on it \(.*Cropping2D.*\); tfjs$/,
      );
      expect(warn).not.toHaveBeenCalled();
      const result = await auto.segment(photo(40, 30));
      expect(result.engine).toBe('tfjs');
      auto.dispose();
      const requested = await loadSegmenter(model, { engine: 'onnxruntime' });
      expect(requested.engine.engine).toBe('tfjs');
      expect(warn).toHaveBeenCalledOnce();
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /^@crack\/runtime: engine onnxruntime unavailable, using tfjs \(/,
      );
      requested.dispose();
    } finally {
      warn.mockRestore();
      model.dispose();
    }
  });

  // Linux lists a process's threads in /proc/self/task: the pool's threads can be counted.
  it.runIf(existsSync('/proc/self/task'))(
    "engineThreads sizes onnxruntime's thread pool (engineThreads - 1 threads besides the caller), with the same probabilities",
    async () => {
      const threads = () => readdirSync('/proc/self/task').length;
      const model = localModel(4);
      // The first session of a process also starts onnxruntime's own threads; count after it.
      (await loadSegmenter(model, { engineThreads: 1 })).dispose();
      const image = photo(96, 64);
      const before = threads();
      const single = await loadSegmenter(model, { engineThreads: 1 });
      expect(single.options.engineThreads).toBe(1);
      expect(threads()).toBe(before);
      const three = await loadSegmenter(model, { engineThreads: 3 });
      expect(threads()).toBe(before + 2);
      const a = await single.segment(image);
      const b = await three.segment(image);
      expect(a.engine).toBe('onnxruntime');
      expect(maxDiff(a.probabilities, b.probabilities)).toBeLessThan(1e-6);
      expect(a.mask).toEqual(b.mask);
      three.dispose();
      single.dispose();
      expect(threads()).toBe(before);
      model.dispose();
    },
  );

  it('rejects a bad engineThreads, naming it', async () => {
    const model = localModel(1);
    for (const bad of [0, 1.5, 257, 'many'])
      await expect(loadSegmenter(model, { engineThreads: bad as never })).rejects.toThrow(
        `loadSegmenter: options.engineThreads must be 'auto' or an integer in [1, 256], got ${bad}`,
      );
    expect(SEGMENTER_DEFAULTS.engineThreads).toBe('auto');
    model.dispose();
  });

  it('rejects a bad engine option and CRACK_ENGINE value, naming them', async () => {
    const model = localModel(1);
    await expect(loadSegmenter(model, { engine: 'gpu' as never })).rejects.toThrow(
      "loadSegmenter: options.engine must be 'auto', 'onnxruntime' or 'tfjs', got 'gpu'",
    );
    process.env.CRACK_ENGINE = 'cuda';
    await expect(loadSegmenter(model, {})).rejects.toThrow(
      "CRACK_ENGINE must be one of auto, onnxruntime, tfjs; got 'cuda'",
    );
    model.dispose();
  });
});
