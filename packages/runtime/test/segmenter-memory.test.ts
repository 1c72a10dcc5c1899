import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSegmenter } from '../src/index';
import { startBothBackends } from './helpers/backends';
import { linearModel, sigmoid } from './helpers/segmenter-models';

beforeAll(startBothBackends);

/** Records the largest tf.memory().numBytes seen right after every predict (tensors alive). */
function trackPeakBytes(model: LayersModel) {
  const state = { peak: 0, calls: 0 };
  const predict = model.predict.bind(model);
  model.predict = ((x, config) => {
    const y = predict(x, config);
    state.calls++;
    state.peak = Math.max(state.peak, tf.memory().numBytes);
    return y;
  }) as LayersModel['predict'];
  return state;
}

describe('full mode on a 24-megapixel photo', () => {
  it('segments 6000x4000 tile by tile: tensors stay under 8 MB, the process under +400 MB', async () => {
    const width = 6000;
    const height = 4000;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      data.fill(y % 500 < 250 ? 255 : 0, y * width * 3, (y + 1) * width * 3);
    const model = linearModel({ a: 4, b: 0 });
    // The tfjs path: its tensors are what is measured (onnxruntime-node's memory is native).
    const segmenter = await loadSegmenter(model, { engine: 'tfjs' });
    const baseBytes = tf.memory().numBytes;
    const tracked = trackPeakBytes(model);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const poll = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const result = await segmenter.segment({ data, width, height, channels: 3 });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(poll);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);

    // 512-px tiles with 64-px overlap: ceil((6000 - 64) / 448) x ceil((4000 - 64) / 448) tiles.
    expect(tracked.calls).toBe(14 * 9);
    const tensorPeakMb = (tracked.peak - baseBytes) / 2 ** 20;
    const rssGrowthMb = (rssPeak - rssBefore) / 2 ** 20;
    console.info(
      `6000x4000 full mode on ${tf.getBackend()}: ${seconds.toFixed(1)} s, tensor peak ${tensorPeakMb.toFixed(1)} MB, RSS +${rssGrowthMb.toFixed(0)} MB, timings ${JSON.stringify(result.timings)}`,
    );
    // One 512x512x3 float input (3 MB) plus the logits and probabilities (1 MB each).
    expect(tensorPeakMb).toBeLessThan(8);
    // Outputs alone are 96 MB (probabilities) + 24 MB (mask); a 24-MP batch would be 288 MB
    // for the input tensor alone.
    expect(rssGrowthMb).toBeLessThan(400);
    expect(result.probabilities.length).toBe(width * height);
    expect(result.probabilities[0]).toBeCloseTo(sigmoid(4), 5);
    expect(result.probabilities[300 * width + 10]).toBeCloseTo(sigmoid(-4), 5);
    expect(result.probabilities[(height - 1) * width + width - 1]).toBeCloseTo(sigmoid(-4), 5);
    segmenter.dispose();
    model.dispose();
  });
});
