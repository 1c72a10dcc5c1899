import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneModel } from '../src/index';
import { randomImages, tinyUnet } from './helpers';

// Surgery once sliced weights with tf.gather, whose wasm result carries a rank-4 buffer shape:
// wasm's FusedConv2D then refused the pruned producer's bias. Prune and predict on wasm, and
// check the result against the same prune on cpu (the L1 criterion reads weights only, so both
// backends keep the same channels).
describe('pruneModel on the wasm backend', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('prunes every site of a U-Net-like model and the pruned model predicts as on cpu', async () => {
    const outputs: Float32Array[] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const model = tinyUnet({ seed: 3 });
      const images = randomImages(2, 16, 16, 4);
      const start = tf.memory().numTensors;
      const { model: pruned, report } = await pruneModel(model, {
        images,
        criterion: 'l1',
        reconstruct: false,
      });
      expect(report.sites.length).toBeGreaterThan(1);
      const prediction = pruned.predict(images) as tf.Tensor;
      outputs.push((await prediction.data()) as Float32Array);
      prediction.dispose();
      pruned.dispose();
      expect(tf.memory().numTensors).toBe(start);
      images.dispose();
      model.dispose();
    }
    const [wasm, cpu] = outputs as [Float32Array, Float32Array];
    expect(wasm.length).toBe(cpu.length);
    let worst = 0;
    for (let i = 0; i < wasm.length; i++) worst = Math.max(worst, Math.abs(wasm[i]! - cpu[i]!));
    expect(worst).toBeLessThan(1e-4);
  });
});
