// The ONNX round trip of every model this project builds: each @crack/unet block kind, the thesis
// student, a pruned student and a depth-4 teacher, run in onnxruntime-node against tfjs.
import { pruneModel } from '@crack/prune';
import { createUnet, thesisStudent, thesisTeacher, type UnetConfig } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index';
import { randomImages, randomizeBatchNorms, roundTrip, useCpu } from './helpers';

beforeAll(useCpu);

/** The tolerance the issue sets: onnxruntime-node equals tfjs within 1e-4. */
const TOLERANCE = 1e-4;

const blockKinds: Array<{ label: string; config: UnetConfig }> = [];
for (const block of ['standard', 'separable'] as const) {
  for (const upsampling of ['transpose', 'bilinear'] as const) {
    for (const batchNorm of [false, true]) {
      blockKinds.push({
        label: `${block} blocks, ${upsampling} upsampling${batchNorm ? ', batch norm' : ''}`,
        config: { depth: 2, baseFilters: 8, block, upsampling, batchNorm, dropout: 0.25, seed: 11 },
      });
    }
  }
}

describe('exportOnnx on every @crack/unet block kind', () => {
  for (const { label, config } of blockKinds) {
    it(`${label}: NCHW logits and NHWC sigmoid equal tfjs within 1e-4`, async () => {
      const model = createUnet(config);
      randomizeBatchNorms(model, 5);
      const before = tf.memory().numTensors;
      const nchw = await roundTrip(model, [2, 16, 24, 3]);
      const nhwc = await roundTrip(model, [1, 16, 24, 3], { layout: 'NHWC', head: 'sigmoid' });
      console.log(
        `${label}: max abs diff ${nchw.diff} (NCHW logits, |max| ${nchw.range.toFixed(2)}), ${nhwc.diff} (NHWC sigmoid)`,
      );
      expect(nchw.diff).toBeLessThanOrEqual(TOLERANCE);
      expect(nhwc.diff).toBeLessThanOrEqual(TOLERANCE);
      expect(nchw.outputShape).toEqual([2, 1, 16, 24]);
      expect(nhwc.outputShape).toEqual([1, 16, 24, 1]);

      const exported = exportOnnx(model);
      expect(exported.droppedLayers).toEqual(['bottleneck_dropout']);
      // Every level convolution has its BN folded: 2 per level, depth 2 -> 2 encoder levels,
      // the bottleneck and 2 decoder levels.
      expect(exported.foldedBatchNorms).toHaveLength(config.batchNorm ? 10 : 0);
      expect(exported.inputs).toEqual([{ name: 'input', shape: [null, 3, null, null] }]);
      expect(exported.outputs).toEqual([{ name: 'head', shape: [null, 1, null, null] }]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }
});

describe('exportOnnx on the thesis models', () => {
  it('the thesis student (depth 2, 8 channels) at a fixed input size', async () => {
    const model = createUnet({ ...thesisStudent, inputSize: [64, 96], seed: 1 });
    const result = await roundTrip(model, [1, 64, 96, 3], { layout: 'NHWC' });
    console.log(`thesis student: max abs diff ${result.diff} (|max| ${result.range.toFixed(2)})`);
    expect(result.diff).toBeLessThanOrEqual(TOLERANCE);
    expect(exportOnnx(model).inputs).toEqual([{ name: 'input', shape: [null, 3, 64, 96] }]);
    model.dispose();
  });

  it('a student pruned by @crack/prune (LASSO, ratio 0.5)', async () => {
    const student = createUnet({ ...thesisStudent, seed: 2 });
    const images = tf.tensor4d(randomImages(3, [4, 32, 32, 3]), [4, 32, 32, 3]);
    const { model: pruned, report } = await pruneModel(student, { images, ratio: 0.5 });
    images.dispose();
    expect(report.after.params).toBeLessThan(report.before.params);
    const result = await roundTrip(pruned, [2, 32, 48, 3]);
    console.log(
      `pruned student (${report.before.params} -> ${report.after.params} params): max abs diff ${result.diff} (|max| ${result.range.toFixed(2)})`,
    );
    expect(result.diff).toBeLessThanOrEqual(TOLERANCE);
    student.dispose();
    pruned.dispose();
  });

  it('the depth-4 thesis teacher (64 base channels) on a small input', async () => {
    const model = createUnet({ ...thesisTeacher, seed: 4 });
    const started = performance.now();
    const result = await roundTrip(model, [1, 32, 32, 3]);
    console.log(
      `thesis teacher (${model.countParams()} params): max abs diff ${result.diff} (|max| ${result.range.toFixed(2)}), ${Math.round(performance.now() - started)} ms`,
    );
    expect(result.diff).toBeLessThanOrEqual(TOLERANCE);
    model.dispose();
    // 31 M weights: about 6 s alone, 40 s beside the rest of the suite on 2 busy cores.
  }, 300_000);
});

describe('exportOnnx on the lightweight blocks and backbone encoders (issue 19)', () => {
  const cases: Array<[string, UnetConfig, number]> = [
    ['inverted residual + batch norm', { block: 'inverted-residual', batchNorm: true }, 1],
    ['fire', { block: 'fire' }, 1],
    [
      'shuffle + batch norm (group conv, channel shuffle)',
      { block: 'shuffle', batchNorm: true },
      1,
    ],
    ['shuffle, groups 4', { block: 'shuffle', groups: 4 }, 1],
    ['xception', { block: 'xception', batchNorm: true }, 1],
    [
      'resnet bottleneck encoder, 3 classes',
      { encoder: 'resnet', resnetBlock: 'bottleneck', classes: 3 },
      3,
    ],
    ['mobilenetv2 encoder', { encoder: 'mobilenetv2' }, 1],
  ];
  for (const [label, config, classes] of cases) {
    it(`${label}: equals tfjs within 1e-4`, async () => {
      const model = createUnet({ depth: 2, baseFilters: 8, seed: 13, ...config });
      randomizeBatchNorms(model, 5);
      const before = tf.memory().numTensors;
      const result = await roundTrip(model, [1, 16, 24, 3]);
      console.log(`${label}: max abs diff ${result.diff} (|max| ${result.range.toFixed(2)})`);
      expect(result.diff).toBeLessThanOrEqual(TOLERANCE);
      expect(result.outputShape).toEqual([1, classes, 16, 24]);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('refuses a layer it does not know, naming it', async () => {
    const { layers, model: functional, input } = await import('@tensorflow/tfjs-layers');
    const x = input({ shape: [8, 8, 3] });
    const y = layers
      .gaussianNoise({ stddev: 1, name: 'noise' })
      .apply(layers.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(x));
    const flat = layers.flatten({ name: 'flat' }).apply(y);
    const model = functional({ inputs: x, outputs: flat as never });
    expect(() => exportOnnx(model)).toThrow(
      /^exportOnnx: layer 'flat' \(Flatten\) is not supported/,
    );
    model.dispose();
  });
});
