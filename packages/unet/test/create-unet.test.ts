import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet, readUnetConfig, THESIS_INPUT_SIZE, thesisStudent } from '../src/index';
import { rampImages, useCpu } from './helpers';

beforeAll(useCpu);

function outputShapeOf(model: LayersModel, shape: [number, number, number, number]): number[] {
  return tf.tidy(() => {
    const output = model.predict(rampImages(shape)) as tf.Tensor;
    return output.shape;
  });
}

function layer(model: LayersModel, name: string) {
  return model.getLayer(name);
}

describe('createUnet', () => {
  it.each([
    [1, [2, 2]],
    [1, [6, 10]],
    [2, [16, 8]],
    [3, [24, 40]],
    [4, [32, 48]],
    [5, [64, 32]],
    [6, [64, 128]],
  ] as const)('depth %i keeps the spatial size %j', (depth, [height, width]) => {
    const model = createUnet({ depth, baseFilters: 1, inputSize: [height, width], seed: 3 });
    expect(model.outputs[0]!.shape).toEqual([null, height, width, 1]);
    expect(outputShapeOf(model, [2, height, width, 3])).toEqual([2, height, width, 1]);
    model.dispose();
  });

  it('with inputSize null accepts any size divisible by 2^depth', () => {
    const model = createUnet({ ...thesisStudent, baseFilters: 2, inputSize: null, seed: 1 });
    expect(model.inputs[0]!.shape).toEqual([null, null, null, 3]);
    expect(outputShapeOf(model, [1, 32, 32, 3])).toEqual([1, 32, 32, 1]);
    expect(outputShapeOf(model, [1, 32, 64, 3])).toEqual([1, 32, 64, 1]);
    expect(outputShapeOf(model, [1, 256, 256, 3])).toEqual([1, 256, 256, 1]);
    expect(outputShapeOf(model, [1, ...THESIS_INPUT_SIZE, 3])).toEqual([1, 320, 480, 1]);
    model.dispose();
  });

  it('builds the thesis-size teacher with the thesis resolutions per level', () => {
    const model = createUnet({ seed: 1, inputSize: THESIS_INPUT_SIZE });
    const shape = (name: string) => layer(model, name).outputShape;
    expect(shape('enc1_conv2')).toEqual([null, 320, 480, 64]);
    expect(shape('enc4_conv2')).toEqual([null, 40, 60, 512]);
    expect(shape('bottleneck_conv2')).toEqual([null, 20, 30, 1024]);
    expect(shape('dec4_up')).toEqual([null, 40, 60, 512]);
    expect(shape('dec4_concat')).toEqual([null, 40, 60, 1024]);
    expect(shape('dec1_conv2')).toEqual([null, 320, 480, 64]);
    expect(shape('head')).toEqual([null, 320, 480, 1]);
    model.dispose();
  });

  it('fuses ReLU into the convs and keeps the upsampling and head linear', () => {
    const model = createUnet({ depth: 1, baseFilters: 2, seed: 1 });
    const config = (name: string) => layer(model, name).getConfig();
    for (const name of ['enc1_conv1', 'enc1_conv2', 'bottleneck_conv1', 'dec1_conv2']) {
      expect(config(name)).toMatchObject({
        activation: 'relu',
        padding: 'same',
        useBias: true,
        kernelSize: [3, 3],
      });
    }
    expect(layer(model, 'dec1_up').getClassName()).toBe('Conv2DTranspose');
    expect(config('dec1_up')).toMatchObject({
      activation: 'linear',
      kernelSize: [2, 2],
      strides: [2, 2],
      filters: 2,
    });
    expect(config('head')).toMatchObject({ activation: 'linear', kernelSize: [3, 3], filters: 1 });
    expect(config('enc1_pool')).toMatchObject({ poolSize: [2, 2], strides: [2, 2] });
    // The skip connection comes first in the concatenation.
    const concat = layer(model, 'dec1_concat');
    expect(concat.inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual([
      'enc1_conv2',
      'dec1_up',
    ]);
    model.dispose();
  });

  it('with batchNorm orders conv -> BN -> ReLU and drops the conv bias', () => {
    const model = createUnet({ depth: 1, baseFilters: 2, batchNorm: true, seed: 1 });
    expect(layer(model, 'enc1_conv1').getConfig()).toMatchObject({
      activation: 'linear',
      useBias: false,
    });
    expect(layer(model, 'enc1_conv1_bn').getClassName()).toBe('BatchNormalization');
    expect(layer(model, 'enc1_conv1_bn').inboundNodes[0]!.inboundLayers[0]!.name).toBe(
      'enc1_conv1',
    );
    expect(layer(model, 'enc1_conv1_relu').getConfig()).toMatchObject({ activation: 'relu' });
    expect(layer(model, 'enc1_conv2').inboundNodes[0]!.inboundLayers[0]!.name).toBe(
      'enc1_conv1_relu',
    );
    model.dispose();
  });

  it('builds separable blocks, bilinear upsampling, a 1x1 head and dropout on request', () => {
    const model = createUnet({
      depth: 1,
      baseFilters: 4,
      block: 'separable',
      upsampling: 'bilinear',
      headKernel: 1,
      dropout: 0.25,
      seed: 1,
    });
    expect(layer(model, 'enc1_conv1').getClassName()).toBe('SeparableConv2D');
    expect(layer(model, 'enc1_conv1').getConfig()).toMatchObject({ activation: 'relu' });
    expect(layer(model, 'enc1_conv1').weights.map((w) => [w.originalName, w.shape])).toEqual([
      ['enc1_conv1/depthwise_kernel', [3, 3, 3, 1]],
      ['enc1_conv1/pointwise_kernel', [1, 1, 3, 4]],
      ['enc1_conv1/bias', [4]],
    ]);
    expect(layer(model, 'dec1_up').getClassName()).toBe('UpSampling2D');
    expect(layer(model, 'dec1_up').getConfig()).toMatchObject({
      size: [2, 2],
      interpolation: 'bilinear',
    });
    expect(layer(model, 'dec1_up_conv').getConfig()).toMatchObject({
      filters: 4,
      kernelSize: [3, 3],
    });
    expect(layer(model, 'head').getConfig()).toMatchObject({ kernelSize: [1, 1] });
    expect(layer(model, 'bottleneck_dropout').getConfig()).toMatchObject({ rate: 0.25 });
    expect(outputShapeOf(model, [1, 8, 12, 3])).toEqual([1, 8, 12, 1]);
    model.dispose();
  });

  it('names the model and records its config with the seed used', () => {
    const model = createUnet({ depth: 1, baseFilters: 2, inputSize: [4, 6], name: 'tiny' });
    expect(model.name).toBe('tiny');
    const recorded = readUnetConfig(model)!;
    expect(recorded).toMatchObject({ depth: 1, baseFilters: 2, inputSize: [4, 6], name: 'tiny' });
    expect(Number.isSafeInteger(recorded.seed)).toBe(true);
    model.dispose();
  });

  it('reports a bad config before building anything', () => {
    const before = tf.memory().numTensors;
    expect(() => createUnet({ depth: 4, inputSize: [321, 480] })).toThrow(
      'createUnet: inputSize [321, 480] must be divisible by 2^depth = 16',
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
