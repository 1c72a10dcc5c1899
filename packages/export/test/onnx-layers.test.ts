// Layer by layer: every layer kind and option the exporter writes, in small models with random
// weights, run in onnxruntime-node against tfjs; and the errors for what it cannot write.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index';
import { randomizeBatchNorms, roundTrip, uniforms, useCpu } from './helpers';

beforeAll(useCpu);

const TOLERANCE = 1e-4;
type Build = (x: tfl.SymbolicTensor) => tfl.SymbolicTensor;

/** A one-input model `input -> build`, with every weight drawn from a seeded uniform. */
function modelOf(inputShape: Array<number | null>, build: Build): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape, name: 'image' });
  const model = tfl.model({ inputs: input, outputs: build(input) });
  const random = uniforms(21);
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    layer.setWeights(
      layer.weights.map((w) => {
        const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
        const isVariance = w.originalName.endsWith('variance');
        return tf.tensor(
          Float32Array.from({ length: size }, () => (isVariance ? 0.5 + random() : random() - 0.5)),
          w.shape as number[],
        );
      }),
    );
  }
  return model;
}

const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;
const conv = (config: Parameters<typeof tfl.layers.conv2d>[0]) => (x: tfl.SymbolicTensor) =>
  apply(tfl.layers.conv2d(config), x);

const cases: Array<{
  label: string;
  inputShape: Array<number | null>;
  size: [number, number];
  build: Build;
}> = [
  {
    label: 'Conv2D 3x3 same, stride 1, relu',
    inputShape: [null, null, 3],
    size: [9, 11],
    build: conv({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
  },
  {
    label: 'Conv2D 3x3 same, stride 2, odd size known (explicit pads)',
    inputShape: [9, 11, 3],
    size: [9, 11],
    build: conv({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
  },
  {
    label: 'Conv2D 4x4 same, stride 2, size unknown (SAME_UPPER)',
    inputShape: [null, null, 3],
    size: [9, 11],
    build: conv({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' }),
  },
  {
    label: 'Conv2D 5x3 valid, stride [2, 1], no bias, relu6',
    inputShape: [null, null, 2],
    size: [12, 9],
    build: conv({
      filters: 3,
      kernelSize: [5, 3],
      strides: [2, 1],
      padding: 'valid',
      useBias: false,
      activation: 'relu6',
    }),
  },
  {
    label: 'Conv2D 3x3 dilation 2, same, tanh',
    inputShape: [null, null, 3],
    size: [10, 10],
    build: conv({
      filters: 2,
      kernelSize: 3,
      dilationRate: 2,
      padding: 'same',
      activation: 'tanh',
    }),
  },
  {
    label: 'Conv2D with elu, selu, softplus, softsign, swish, mish, hardSigmoid, sigmoid',
    inputShape: [null, null, 3],
    size: [6, 6],
    build: (x) => {
      let y = x;
      for (const activation of [
        'elu',
        'selu',
        'softplus',
        'softsign',
        'swish',
        'mish',
        'hardSigmoid',
        'sigmoid',
      ] as const)
        y = conv({ filters: 3, kernelSize: 1, activation })(y);
      return y;
    },
  },
  {
    label: 'Conv2D with softmax and logSoftmax over channels',
    inputShape: [null, null, 3],
    size: [5, 7],
    build: (x) =>
      conv({
        filters: 4,
        kernelSize: 1, // logSoftmax is registered in tfjs-layers but missing from its ActivationIdentifier type.
        activation: 'logSoftmax' as 'softmax',
      })(conv({ filters: 4, kernelSize: 3, padding: 'same', activation: 'softmax' })(x)),
  },
  {
    label: 'DepthwiseConv2D multiplier 2, stride 2, same, relu',
    inputShape: [8, 10, 3],
    size: [8, 10],
    build: (x) =>
      apply(
        tfl.layers.depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          strides: 2,
          padding: 'same',
          activation: 'relu',
        }),
        x,
      ),
  },
  {
    label: 'SeparableConv2D multiplier 2, valid, no bias',
    inputShape: [null, null, 3],
    size: [8, 10],
    build: (x) =>
      apply(
        tfl.layers.separableConv2d({
          filters: 5,
          kernelSize: 3,
          depthMultiplier: 2,
          padding: 'valid',
          useBias: false,
        }),
        x,
      ),
  },
  {
    label: 'Conv2DTranspose 3x3 stride 2 same',
    inputShape: [null, null, 4],
    size: [5, 6],
    build: (x) =>
      apply(
        tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }),
        x,
      ),
  },
  {
    label: 'Conv2DTranspose 3x3 stride 2 valid, relu',
    inputShape: [null, null, 4],
    size: [5, 6],
    build: (x) =>
      apply(
        tfl.layers.conv2dTranspose({
          filters: 3,
          kernelSize: 3,
          strides: 2,
          padding: 'valid',
          activation: 'relu',
        }),
        x,
      ),
  },
  {
    label: 'Conv2DTranspose 1x1 stride 2 (kernel < stride: output padding)',
    inputShape: [null, null, 4],
    size: [5, 6],
    build: (x) =>
      apply(
        tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' }),
        x,
      ),
  },
  {
    label: 'MaxPooling2D 3x3 stride 2 same on an odd size; AveragePooling2D 2x2 same',
    inputShape: [null, null, 3],
    size: [9, 7],
    build: (x) =>
      apply(
        tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
        apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x),
      ),
  },
  {
    label: 'MaxPooling2D 2x2 valid (the U-Net pooling)',
    inputShape: [null, null, 3],
    size: [8, 6],
    build: (x) => apply(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }), x),
  },
  {
    label: 'UpSampling2D nearest [2, 3] and bilinear 2',
    inputShape: [null, null, 2],
    size: [4, 5],
    build: (x) =>
      apply(
        tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
        apply(tfl.layers.upSampling2d({ size: [2, 3] }), x),
      ),
  },
  {
    label: 'ZeroPadding2D [[1, 2], [0, 3]]',
    inputShape: [null, null, 2],
    size: [4, 5],
    build: (x) =>
      apply(
        tfl.layers.zeroPadding2d({
          padding: [
            [1, 2],
            [0, 3],
          ],
        }),
        x,
      ),
  },
  {
    label:
      'Concatenate on channels and on width; Add of three; Add of two; Multiply of three; Average; Maximum; Minimum',
    inputShape: [null, null, 3],
    size: [6, 4],
    build: (x) => {
      const a = conv({ filters: 3, kernelSize: 1 })(x);
      const b = conv({ filters: 3, kernelSize: 3, padding: 'same' })(x);
      const sum = apply(tfl.layers.add(), [x, a, b]);
      const diff = apply(tfl.layers.add(), [a, b]);
      const product = apply(tfl.layers.multiply(), [x, a, b]);
      const mean = apply(tfl.layers.average(), [x, a, b]);
      const high = apply(tfl.layers.maximum(), [a, b]);
      const low = apply(tfl.layers.minimum(), [a, b]);
      const wide = apply(tfl.layers.concatenate({ axis: 2 }), [sum, diff]);
      const wide2 = apply(tfl.layers.concatenate({ axis: 2 }), [product, mean]);
      const wide3 = apply(tfl.layers.concatenate({ axis: 2 }), [high, low]);
      return apply(tfl.layers.concatenate({ axis: -1 }), [wide, wide2, wide3]);
    },
  },
  {
    label: 'Activation, ReLU (max 0.2), LeakyReLU, ELU, Softmax layers',
    inputShape: [null, null, 3],
    size: [4, 4],
    build: (x) =>
      apply(
        tfl.layers.softmax({ axis: -1 }),
        apply(
          tfl.layers.elu(),
          apply(
            tfl.layers.leakyReLU({ alpha: 0.1 }),
            apply(
              tfl.layers.reLU({ maxValue: 0.2 }),
              apply(
                tfl.layers.activation({ activation: 'tanh' }),
                conv({ filters: 3, kernelSize: 1 })(x),
              ),
            ),
          ),
        ),
      ),
  },
  {
    label: 'BatchNormalization not after a linear conv (written as an ONNX BatchNormalization)',
    inputShape: [null, null, 3],
    size: [5, 5],
    build: (x) =>
      apply(
        tfl.layers.batchNormalization({ epsilon: 0.01 }),
        conv({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' })(x),
      ),
  },
  {
    label:
      'BatchNormalization folded into DepthwiseConv2D and Conv2DTranspose, without scale or center',
    inputShape: [null, null, 3],
    size: [5, 5],
    build: (x) => {
      const d = apply(
        tfl.layers.batchNormalization({ scale: false }),
        apply(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }), x),
      );
      return apply(
        tfl.layers.batchNormalization({ center: false }),
        apply(tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2 }), d),
      );
    },
  },
];

describe('exportOnnx layer by layer (onnxruntime-node vs tfjs)', () => {
  for (const { label, inputShape, size, build } of cases) {
    it(label, async () => {
      const model = modelOf(inputShape, build);
      const channels = inputShape[2] as number;
      const before = tf.memory().numTensors;
      for (const layout of ['NCHW', 'NHWC'] as const) {
        const result = await roundTrip(model, [2, size[0], size[1], channels], { layout });
        expect(result.diff, `${layout}`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('folds batch norms into the convolutions and reports them', () => {
    const model = modelOf([null, null, 3], (x) => {
      const c = apply(
        tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'c' }),
        x,
      );
      const bn = apply(tfl.layers.batchNormalization({ name: 'c_bn' }), c);
      const shared = apply(tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'd' }), bn);
      // 'd' feeds two layers, so its BN cannot be folded.
      return apply(tfl.layers.add(), [
        shared,
        apply(tfl.layers.batchNormalization({ name: 'd_bn' }), shared),
      ]);
    });
    randomizeBatchNorms(model, 1);
    expect(exportOnnx(model).foldedBatchNorms).toEqual(['c_bn']);
  });

  it('exports a Sequential model', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [null, null, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.conv2d({ filters: 1, kernelSize: 1 }),
      ],
    });
    const result = await roundTrip(model, [1, 6, 6, 3], { head: 'sigmoid' });
    expect(result.diff).toBeLessThanOrEqual(TOLERANCE);
  });

  it('softmax head over the channels', async () => {
    const model = modelOf([null, null, 3], conv({ filters: 2, kernelSize: 3, padding: 'same' }));
    const { bytes } = exportOnnx(model, { head: 'softmax', layout: 'NHWC' });
    const images = Float32Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => Math.sin(i));
    const expected = tf.tidy(() =>
      tf.softmax(model.predict(tf.tensor4d(images, [2, 4, 4, 3])) as tf.Tensor).dataSync(),
    );
    const { onnxOutput, maxAbsDiff } = await import('./helpers');
    const actual = await onnxOutput(bytes, images, [2, 4, 4, 3]);
    expect(maxAbsDiff(Float32Array.from(expected), actual.values)).toBeLessThanOrEqual(1e-6);
  });
});

describe('exportOnnx errors', () => {
  it('names the first unsupported layer, its class and what is supported', () => {
    const model = modelOf([8, 8, 3], (x) =>
      apply(
        tfl.layers.dense({ units: 2, name: 'classifier' }),
        apply(
          tfl.layers.flatten({ name: 'flat' }),
          conv({ filters: 2, kernelSize: 3, name: 'features' })(x),
        ),
      ),
    );
    expect(() => exportOnnx(model)).toThrow(
      /^exportOnnx: layer 'flat' \(Flatten\) is not supported: no ONNX equivalent here\. Supported layers: Conv2D, .*Dropout/,
    );
  });

  it('refuses channelsFirst data, unsupported activations and bad options, naming them', () => {
    const first = modelOf(
      [3, 8, 8],
      conv({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'cf' }),
    );
    expect(() => exportOnnx(first)).toThrow(
      "exportOnnx: layer 'cf' (Conv2D) is not supported: dataFormat 'channelsFirst' (only channelsLast)",
    );
    const gelu = modelOf(
      [null, null, 3],
      conv({ filters: 2, kernelSize: 1, activation: 'gelu', name: 'g' }),
    );
    expect(() => exportOnnx(gelu)).toThrow(
      "exportOnnx: layer 'g' (Conv2D) is not supported: activation 'gelu'",
    );
    const ok = modelOf([null, null, 3], conv({ filters: 1, kernelSize: 1 }));
    expect(() => exportOnnx(ok, { layout: 'nhwc' as 'NHWC' })).toThrow(
      "exportOnnx: layout must be 'NCHW' or 'NHWC', got 'nhwc'",
    );
    expect(() => exportOnnx(ok, { head: 'tanh' as 'sigmoid' })).toThrow(
      "exportOnnx: head must be one of 'logits', 'sigmoid', 'softmax', got 'tanh'",
    );
    expect(() => exportOnnx(ok, { opset: 17 } as never)).toThrow(
      "exportOnnx: unknown option 'opset'",
    );
    expect(() => exportOnnx(ok, { head: 'softmax' })).toThrow(
      "exportOnnx: head 'softmax' needs at least 2 output channels, output",
    );
    expect(() => exportOnnx({} as never)).toThrow(
      'exportOnnx: model must be a tfjs-layers LayersModel',
    );
  });
});
