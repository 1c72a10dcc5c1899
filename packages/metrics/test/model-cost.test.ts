import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { modelCost as costOf, type ModelCostOptions } from '../src/cost';

const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;

/** modelCost, asserting it allocates no tensor (it is shape arithmetic only). */
function modelCost(model: tfl.LayersModel, options?: ModelCostOptions) {
  const before = tf.memory().numTensors;
  try {
    return costOf(model, options);
  } finally {
    expect(tf.memory().numTensors).toBe(before);
  }
}

/** The thesis U-Net (§3): 'same' 3x3 convs, 2x2 pools, 2x2 stride-2 transposed convs, 3x3 head. */
function unet(poolings: number, base: number): tfl.LayersModel {
  const conv = (x: tfl.SymbolicTensor, filters: number) =>
    tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...zeros })
      .apply(x) as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [null, null, 3] });
  const skips: tfl.SymbolicTensor[] = [];
  let x = input;
  for (let level = 0; level <= poolings; level++) {
    x = conv(conv(x, base * 2 ** level), base * 2 ** level);
    if (level < poolings) {
      skips.push(x);
      x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
    }
  }
  for (let level = poolings - 1; level >= 0; level--) {
    const up = tfl.layers
      .conv2dTranspose({ filters: base * 2 ** level, kernelSize: 2, strides: 2, ...zeros })
      .apply(x) as tfl.SymbolicTensor;
    const merged = tfl.layers.concatenate().apply([skips[level] as tfl.SymbolicTensor, up]);
    x = conv(conv(merged as tfl.SymbolicTensor, base * 2 ** level), base * 2 ** level);
  }
  const logits = tfl.layers
    .conv2d({ filters: 1, kernelSize: 3, padding: 'same', ...zeros })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}

describe('modelCost', () => {
  // Thesis §9: poolings, base channels, weights, params with bias, MACs at 3x320x480.
  const table: Array<[number, number, number, number, number]> = [
    [4, 64, 31025408, 31032257, 128070451200],
    [3, 64, 7694592, 7697857, 97556889600],
    [2, 64, 1861888, 1863361, 67043328000],
    [4, 32, 7756928, 7760353, 32106086400],
    [4, 16, 1939520, 1941233, 8070758400],
    [4, 8, 485024, 485881, 2039808000],
    [4, 4, 121328, 121757, 521011200],
    [2, 16, 116800, 117169, 4256563200],
    [2, 8, 29344, 29529, 1086259200],
    [2, 4, 7408, 7501, 282624000],
  ];
  it.each(table)(
    'reproduces thesis §9 for the U-Net with %i poolings, %i base channels',
    (poolings, base, weights, params, macs) => {
      const model = unet(poolings, base);
      const cost = modelCost(model, { height: 320, width: 480 });
      expect(cost.total.weights).toBe(weights);
      expect(cost.total.params).toBe(params);
      expect(cost.total.params).toBe(model.countParams());
      expect(cost.total.macs).toBe(macs);
      expect(cost.total.bytes).toBe(params * 4);
      expect(cost.unknownLayers).toEqual([]);
      model.dispose();
    },
  );

  it('costs a Sequential model layer by layer (hand-computed)', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
        tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 10 }),
      ],
    });
    const cost = modelCost(model);
    const rows = cost.layers.map((l) => [l.className, l.kind, l.weights, l.params, l.macs]);
    expect(rows).toEqual([
      ['Conv2D', 'conv', 216, 224, 216 * 16 * 16],
      ['MaxPooling2D', 'free', 0, 0, 0],
      // 'valid' 3x3 on 8x8 -> 6x6; kernel 3*3*8*2.
      ['DepthwiseConv2D', 'depthwise-conv', 144, 160, 144 * 36],
      // depthwise 3*3*16*1 + pointwise 1*1*16*4, bias 4.
      ['SeparableConv2D', 'separable-conv', 208, 212, 208 * 36],
      // gamma, beta, moving mean and variance; one scale-and-shift per output element.
      ['BatchNormalization', 'batch-norm', 0, 16, 6 * 6 * 4],
      ['Activation', 'free', 0, 0, 0],
      ['Flatten', 'free', 0, 0, 0],
      ['Dropout', 'free', 0, 0, 0],
      ['Dense', 'dense', 1440, 1450, 1440],
    ]);
    expect(cost.layers[2]?.outputShape).toEqual([null, 6, 6, 16]);
    expect(cost.total).toEqual({
      weights: 216 + 144 + 208 + 1440,
      params: model.countParams(),
      macs: 216 * 256 + 144 * 36 + 208 * 36 + 144 + 1440,
      bytes: model.countParams() * 4,
    });
    model.dispose();
  });

  it('counts transposed convolutions per output pixel and strided convs at their output size', () => {
    const input = tfl.input({ shape: [5, 7, 8] });
    const up = tfl.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2 }).apply(input);
    const down = tfl.layers
      .conv2d({ filters: 2, kernelSize: 3, strides: 2, useBias: false })
      .apply(up as tfl.SymbolicTensor);
    const model = tfl.model({ inputs: input, outputs: down as tfl.SymbolicTensor });
    const [, transposed, strided] = modelCost(model).layers;
    expect(transposed?.outputShape).toEqual([null, 10, 14, 4]);
    expect(transposed?.weights).toBe(2 * 2 * 8 * 4);
    expect(transposed?.macs).toBe(2 * 2 * 8 * 4 * 10 * 14);
    // 'valid' 3x3 stride 2 on 10x14 -> 4x6.
    expect(strided?.outputShape).toEqual([null, 4, 6, 2]);
    expect(strided?.macs).toBe(3 * 3 * 4 * 2 * 4 * 6);
    expect(strided?.params).toBe(72);
    model.dispose();
  });

  it('costs a model without input size at the requested size only', () => {
    const model = unet(1, 2);
    expect(() => modelCost(model)).toThrow(/modelCost: the output size of layer ".*" is unknown/);
    const small = modelCost(model, { height: 4, width: 6 }).total.macs;
    const large = modelCost(model, { height: 8, width: 12 }).total.macs;
    expect(large).toBe(4 * small);
    model.dispose();
  });

  it('adds up every call of a shared layer and costs nested models', () => {
    const shared = tfl.layers.dense({ units: 3, useBias: false });
    const a = tfl.input({ shape: [4] });
    const b = tfl.input({ shape: [4] });
    const sum = tfl.layers
      .add()
      .apply([shared.apply(a), shared.apply(b)] as tfl.SymbolicTensor[]) as tfl.SymbolicTensor;
    const inner = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
    const out = inner.apply(sum) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: out });
    const cost = modelCost(model);
    const byName = new Map(cost.layers.map((l) => [l.name, l]));
    expect(byName.get(shared.name)?.weights).toBe(12);
    expect(byName.get(shared.name)?.macs).toBe(24);
    const nested = byName.get(inner.name);
    expect(nested?.kind).toBe('model');
    expect(nested?.layers?.[0]?.macs).toBe(6);
    expect(cost.total).toEqual({ weights: 18, params: 20, macs: 30, bytes: 80 });
    expect(cost.total.params).toBe(model.countParams());
    model.dispose();
  });

  it('lists layers with weights of an unknown class instead of costing them as zero', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 }),
        tfl.layers.prelu(),
      ],
    });
    const cost = modelCost(model);
    const prelu = cost.layers[1];
    expect(prelu?.kind).toBe('unknown');
    expect(prelu?.params).toBe(4 * 4 * 2);
    expect(cost.unknownLayers).toEqual([prelu?.name]);
    expect(cost.total.params).toBe(model.countParams());
    model.dispose();
  });

  it('rejects bad options with a message naming the field', () => {
    const model = unet(1, 2);
    expect(() => modelCost(model, { height: 0, width: 4 })).toThrow(
      'modelCost: options.height must be a positive integer, got 0',
    );
    expect(() => modelCost(model, { height: 4, width: 2.5 })).toThrow(
      'modelCost: options.width must be a positive integer, got 2.5',
    );
    expect(() => modelCost(null as unknown as tfl.LayersModel)).toThrow(/modelCost: model must be/);
    model.dispose();
  });
});
