import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Sample, syntheticCracks, type TfBatch, toTfDataset } from '../src/index.js';

let samples: Sample[];
beforeAll(async () => {
  await tf.setBackend('cpu');
  samples = syntheticCracks({ count: 5, seed: 3, width: 48, height: 32 }).map((s, i) => ({
    ...s,
    side: Float32Array.from(s.mask, (m, p) => (m ? 4 : -4) + i / 10 + p / 10000),
  }));
});

async function collect(dataset: Awaited<ReturnType<typeof toTfDataset>>) {
  const out: { xs: number[]; xsShape: number[]; ys: number[]; ysShape: number[] }[] = [];
  await dataset.forEachAsync((batch) => {
    const { xs, ys } = batch as TfBatch;
    out.push({
      xs: Array.from(xs.dataSync()),
      xsShape: xs.shape,
      ys: Array.from(ys.dataSync()),
      ysShape: ys.shape,
    });
    tf.dispose([xs, ys]);
  });
  return out;
}

describe('toTfDataset', () => {
  it('yields normalised xs [b,h,w,3] and mask ys [b,h,w,1], last batch smaller', async () => {
    const batches = await collect(await toTfDataset(samples, { batchSize: 2 }));
    expect(batches.map((b) => b.xsShape)).toEqual([
      [2, 32, 48, 3],
      [2, 32, 48, 3],
      [1, 32, 48, 3],
    ]);
    expect(batches.map((b) => b.ysShape)).toEqual([
      [2, 32, 48, 1],
      [2, 32, 48, 1],
      [1, 32, 48, 1],
    ]);
    const first = batches[0];
    const image = samples[0]?.image.data as Uint8Array;
    expect(first?.xs[0]).toBeCloseTo(((image[0] as number) - 127.5) / 127.5, 6);
    const xs = batches.flatMap((b) => b.xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1);
    expect(new Set(batches.flatMap((b) => b.ys))).toEqual(new Set([0, 1]));
    expect(first?.ys.slice(0, 48 * 32)).toEqual(Array.from(samples[0]?.mask ?? []));
  });

  it("packs [mask, teacher logit] on the last axis with targets: 'packed'", async () => {
    const batches = await collect(
      await toTfDataset(samples, { batchSize: 5, targets: 'packed', normalize: false }),
    );
    expect(batches[0]?.ysShape).toEqual([5, 32, 48, 2]);
    const ys = batches[0]?.ys as number[];
    const pixels = 48 * 32;
    for (const [b, p] of [
      [0, 0],
      [2, 100],
      [4, pixels - 1],
    ] as const) {
      const at = (b * pixels + p) * 2;
      expect(ys[at]).toBe(samples[b]?.mask[p]);
      expect(ys[at + 1]).toBeCloseTo(samples[b]?.side?.[p] as number, 5);
    }
    expect(batches[0]?.xs[0]).toBe(samples[0]?.image.data[0]);
    const noSide = samples.map(({ side: _side, ...rest }) => rest);
    const dataset = await toTfDataset(noSide, { targets: 'packed' });
    await expect(dataset.forEachAsync(() => {})).rejects.toThrow(
      /needs sample\.side .* missing on sample synthetic-3-0/,
    );
  });

  it('crops and augments with masks and teacher logits staying aligned', async () => {
    const dataset = await toTfDataset(samples, {
      batchSize: 1,
      crop: { width: 16, height: 16 },
      augment: true,
      targets: 'packed',
      seed: 9,
    });
    for (const batch of await collect(dataset)) {
      expect(batch.xsShape).toEqual([1, 16, 16, 3]);
      for (let p = 0; p < 256; p++) {
        const label = batch.ys[p * 2] as number;
        const logit = batch.ys[p * 2 + 1] as number;
        // side was built as +-4 + a little: its sign must match the label.
        expect(logit > 0 ? 1 : 0).toBe(label);
      }
    }
  });

  it('is seeded per epoch: same seed same epochs, epochs differ, shuffle permutes', async () => {
    const options = {
      crop: { width: 16, height: 16 },
      augment: true,
      shuffle: true,
      seed: 5,
    } as const;
    const a = await toTfDataset(samples, options);
    const b = await toTfDataset(samples, options);
    const epoch1 = await collect(a);
    expect(await collect(b)).toEqual(epoch1);
    expect(await collect(a)).not.toEqual(epoch1);
  });

  it('leaks no tensors across an epoch', async () => {
    const dataset = await toTfDataset(samples, {
      batchSize: 2,
      augment: true,
      crop: { width: 32, height: 32 },
    });
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 2; epoch++) {
      const iterator = await dataset.iterator();
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
        tf.dispose([r.value.xs, r.value.ys]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names bad options and mismatched sizes', async () => {
    await expect(toTfDataset(samples, { batchSize: 0 })).rejects.toThrow(
      /toTfDataset: options\.batchSize must be an integer >= 1, got 0/,
    );
    await expect(toTfDataset([], {})).rejects.toThrow(/samples must not be empty/);
    const mixed = [samples[0] as Sample, ...syntheticCracks({ count: 1, width: 32, height: 32 })];
    const dataset = await toTfDataset(mixed, { batchSize: 2 });
    await expect(dataset.forEachAsync(() => {})).rejects.toThrow(/same size.*set options\.crop/);
  });
});
