// loadSegmenter() with no model: @crack/models' default (the pruned CFD student) loads, runs on a
// photo and gives the same mask as the catalog model run by hand.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { syntheticCracks } from '@crack/data';
import { decodeImage } from '@crack/data/image';
import { writePngFile } from '@crack/data/node';
import { tolerantScores } from '@crack/metrics';
import { findModel } from '@crack/models';
import { modelDirectory } from '@crack/models/node';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run-cli';
import { loadSegmenter } from '../src/node';
import { startBothBackends } from './helpers/backends';

beforeAll(async () => {
  await startBothBackends();
});

describe('loadSegmenter() without a model', () => {
  it("loads @crack/models' default and segments like the model run by hand", async () => {
    const [sample] = syntheticCracks({ count: 1, width: 480, height: 320, seed: 11 });
    if (!sample) throw new Error('no sample');
    const before = tf.memory().numTensors;
    const segmenter = await loadSegmenter();
    const result = await segmenter.segment({
      data: sample.image.data,
      width: sample.width,
      height: sample.height,
      channels: 3,
    });
    segmenter.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect([result.width, result.height]).toEqual([480, 320]);

    const model = await tfl.loadLayersModel(nodeFileSystem(modelDirectory()));
    expect(model.countParams()).toBe(findModel().params);
    const logits = tf.tidy(() => {
      const input = tf.div(
        tf.sub(tf.tensor4d(sample.image.data, [1, 320, 480, 3], 'float32'), 127.5),
        127.5,
      );
      return model.predict(input) as tf.Tensor;
    });
    const byHand = Uint8Array.from(await logits.data(), (logit) => (logit >= 0 ? 1 : 0));
    tf.dispose(logits);
    model.dispose();
    // A 480x320 photo is one tile in full mode: the masks agree but for float rounding at the
    // threshold (a handful of pixels at most).
    let differ = 0;
    for (let i = 0; i < byHand.length; i++) if ((result.mask[i] ? 1 : 0) !== byHand[i]) differ++;
    expect(differ).toBeLessThanOrEqual(10);
    // And it is a crack detector: the drawn crack is found within 2 px.
    const scores = tolerantScores(
      { data: byHand, width: 480, height: 320 },
      { data: sample.mask, width: 480, height: 320 },
    );
    expect(scores.recall).toBeGreaterThan(0.3);
  });

  it('crack-segment without --model uses it too, and says so in the summary', async () => {
    const [sample] = syntheticCracks({ count: 1, width: 96, height: 64, seed: 5 });
    if (!sample) throw new Error('no sample');
    const temp = await mkdtemp(path.join(os.tmpdir(), 'crack-default-model-'));
    try {
      await writePngFile(path.join(temp, 'road.png'), sample.image);
      let stdout = '';
      const code = await runCli(
        [path.join(temp, 'road.png'), '--out', path.join(temp, 'out'), '--json', '--quiet'],
        {
          stdout: (text) => {
            stdout += text;
          },
          stderr: () => {},
        },
      );
      expect(code).toBe(0);
      expect(JSON.parse(stdout).model).toBe(`@crack/models/${findModel().id}`);
      const mask = decodeImage(await readFile(path.join(temp, 'out', 'road.mask.png')));
      expect([mask.width, mask.height]).toEqual([96, 64]);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
});
