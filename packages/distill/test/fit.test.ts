// Training through tfjs-layers' own compile/fit machinery, with no custom loop.

import {
  distillationLoss,
  hintonDistillation,
  packTargets,
  sigmoidDistillation,
  weightedSigmoidCrossEntropy,
} from '@crack/distill';
import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from './helpers';

beforeAll(useCpu);

const SAMPLES = 16;
const SIZE = 8;

/** A 1x1-conv student on 8x8 one-channel inputs whose logits start at 2 everywhere. */
function student(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [SIZE, SIZE, 1],
        filters: 1,
        kernelSize: 1,
        kernelInitializer: 'zeros',
        biasInitializer: tfl.initializers.constant({ value: 2 }),
      }),
    ],
  });
}

/** Inputs, labels (a vertical crack in column 3, background elsewhere) and teacher logits. */
function data() {
  return tf.tidy(() => {
    const images = tf.randomNormal([SAMPLES, SIZE, SIZE, 1], 0, 1, 'float32', 7);
    const column = tf.reshape(tf.oneHot(tf.tensor1d([3], 'int32'), SIZE), [1, 1, SIZE, 1]);
    const labels = tf.mul(tf.onesLike(images), column);
    // The teacher is confidently negative on the background: z = 0.5 x - 1 < student's 2.
    const teacherLogits = tf.sub(tf.mul(images, 0.5), 1);
    return { images, labels, teacherLogits };
  });
}

function dataset(images: tf.Tensor, targets: tf.Tensor, batchSize: number) {
  return tfd
    .zip({ xs: tfd.array(tf.unstack(images)), ys: tfd.array(tf.unstack(targets)) })
    .batch(batchSize);
}

/** Mean of max(0, q - z) and of |q - z| over background pixels. */
function gapOnBackground(model: tfl.LayersModel, d: ReturnType<typeof data>) {
  return tf.tidy(() => {
    const q = model.predict(d.images) as tf.Tensor;
    const background = tf.sub(1, d.labels);
    const count = tf.sum(background);
    const above = tf.div(tf.sum(tf.mul(tf.relu(tf.sub(q, d.teacherLogits)), background)), count);
    const distance = tf.div(tf.sum(tf.mul(tf.abs(tf.sub(q, d.teacherLogits)), background)), count);
    return { above: above.dataSync()[0]!, distance: distance.dataSync()[0]! };
  });
}

describe('compile + fitDataset with packed targets', () => {
  it('the distillation term alone pulls background logits down to the teacher', async () => {
    const d = data();
    const targets = packTargets(d.labels, d.teacherLogits);
    const model = student();
    model.compile({ optimizer: tf.train.adam(0.05), loss: sigmoidDistillation() });
    const before = gapOnBackground(model, d);
    expect(before.above).toBeGreaterThan(2.5); // starts at 2 - (0.5 x - 1) = 3 on average

    const history = await model.fitDataset(dataset(d.images, targets, 4), {
      epochs: 15,
      verbose: 0,
    });
    const after = gapOnBackground(model, d);
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(0.1 * losses[0]!);
    expect(after.above).toBeLessThan(0.1 * before.above);
    expect(after.distance).toBeLessThan(0.25 * before.distance);
    tf.dispose([d.images, d.labels, d.teacherLogits, targets]);
    model.dispose();
  });

  it('hard + soft (eq 4-5) trains through fitDataset, and the hard loss alone through fit', async () => {
    const d = data();
    const targets = packTargets(d.labels, d.teacherLogits);
    const model = student();
    model.compile({
      optimizer: tf.train.adam(0.05),
      loss: distillationLoss({ hard: weightedSigmoidCrossEntropy(), soft: sigmoidDistillation() }),
    });
    const history = await model.fitDataset(dataset(d.images, targets, 4), {
      epochs: 5,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);

    const plain = student();
    plain.compile({ optimizer: tf.train.adam(0.05), loss: weightedSigmoidCrossEntropy() });
    const fitted = await plain.fit(d.images, d.labels, { epochs: 5, batchSize: 4, verbose: 0 });
    const plainLosses = fitted.history.loss as number[];
    expect(plainLosses.at(-1)!).toBeLessThan(plainLosses[0]!);
    tf.dispose([d.images, d.labels, d.teacherLogits, targets]);
    model.dispose();
    plain.dispose();
  });

  it('model.fit refuses packed targets (tfjs-layers checks their shape); fitDataset does not', async () => {
    // Pinned because the README tells users to train with packed targets through fitDataset.
    const d = data();
    const targets = packTargets(d.labels, d.teacherLogits);
    const model = student();
    model.compile({ optimizer: tf.train.adam(0.05), loss: sigmoidDistillation() });
    await expect(model.fit(d.images, targets, { epochs: 1, verbose: 0 })).rejects.toThrow(
      /target expected a batch of elements where each example has shape \[8,8,1\]/,
    );
    tf.dispose([d.images, d.labels, d.teacherLogits, targets]);
    model.dispose();
  });

  it('hintonDistillation trains a softmax student with plain model.fit on teacher logits', async () => {
    const images = tf.randomNormal([32, 4], 0, 1, 'float32', 3);
    const teacherLogits = tf.matMul(
      images,
      tf.tensor2d([1, -1, 0, 2, 0.5, 0, -2, 1, 1, 0, 0, -1], [4, 3]),
    );
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3 })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: hintonDistillation({ temperature: 2 }) });
    const history = await model.fit(images, teacherLogits, {
      epochs: 30,
      batchSize: 8,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(0.2 * losses[0]!);
    tf.dispose([images, teacherLogits]);
    model.dispose();
  });
});
