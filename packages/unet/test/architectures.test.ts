import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modelCost } from '@crack/metrics/cost';
import * as tf from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  fireWidths,
  readUnetConfig,
  shuffleBottleneck,
  type UnetBlock,
  type UnetConfig,
  unetLayerNames,
} from '../src/index';
import { nodeFileSystem } from '../src/node';
import { rampImages, useCpu, weightValues } from './helpers';

let root: string;
beforeAll(async () => {
  await useCpu();
  root = await mkdtemp(path.join(tmpdir(), 'crack-unet-arch-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const LIGHT_BLOCKS: UnetBlock[] = ['inverted-residual', 'fire', 'shuffle', 'xception'];

const ARCHITECTURES: Array<[string, UnetConfig]> = [
  ...LIGHT_BLOCKS.map((block): [string, UnetConfig] => [block, { block }]),
  ['resnet basic', { encoder: 'resnet' }],
  ['resnet bottleneck', { encoder: 'resnet', resnetBlock: 'bottleneck', encoderBlocks: 1 }],
  ['mobilenetv2', { encoder: 'mobilenetv2' }],
  ['mobilenetv2 + shuffle decoder', { encoder: 'mobilenetv2', block: 'shuffle', groups: 2 }],
];

function predict(model: LayersModel, images: tf.Tensor4D): Float32Array {
  return tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
}

describe('every block and encoder builds at any valid depth and width', () => {
  for (const [label, config] of ARCHITECTURES) {
    it.each([
      [1, 2],
      [2, 4],
      [3, 8],
    ] as const)(`${label}: depth %i, %i base channels`, (depth, baseFilters) => {
      const before = tf.memory().numTensors;
      const size = 2 ** depth * 2;
      const model = createUnet({
        ...config,
        depth,
        baseFilters,
        seed: 5,
        classes: 1 + (depth % 2) * 2,
      });
      const classes = 1 + (depth % 2) * 2;
      expect(model.outputs[0]!.shape).toEqual([null, null, null, classes]);
      const images = rampImages([2, size, size * 2, 3]);
      const output = tf.tidy(() => model.predict(images) as tf.Tensor);
      expect(output.shape).toEqual([2, size, size * 2, classes]);
      expect(output.dataSync().every(Number.isFinite)).toBe(true);
      // The model's own layer list is what unetLayerNames reports.
      expect(unetLayerNames({ ...config, depth, baseFilters, classes })).toEqual(
        model.layers.map((layer) => layer.name),
      );
      tf.dispose([images, output]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the same config and seed give identical weights; another seed does not', () => {
    for (const [, config] of ARCHITECTURES) {
      const a = createUnet({ ...config, depth: 2, baseFilters: 4, seed: 9 });
      const b = createUnet({ ...config, depth: 2, baseFilters: 4, seed: 9 });
      const c = createUnet({ ...config, depth: 2, baseFilters: 4, seed: 10 });
      const wa = weightValues(a);
      const wb = weightValues(b);
      const wc = weightValues(c);
      expect([...wb.keys()]).toEqual([...wa.keys()]);
      for (const [name, values] of wa) expect(wb.get(name)).toEqual(values);
      const kernel = [...wa.keys()].find((name) => name.endsWith('kernel'))!;
      expect(wc.get(kernel)).not.toEqual(wa.get(kernel));
      for (const model of [a, b, c]) model.dispose();
    }
  });
});

describe('save and reload bit-identically', () => {
  it.each(ARCHITECTURES)('%s (with batch norm, 3 classes)', async (label, config) => {
    const directory = path.join(root, label.replace(/\W+/g, '-'));
    const before = tf.memory().numTensors;
    const model = createUnet({
      ...config,
      depth: 2,
      baseFilters: 4,
      batchNorm: true,
      classes: 3,
      seed: 4,
    });
    const images = rampImages([1, 8, 12, 3]);
    const expected = predict(model, images);
    await model.save(nodeFileSystem(directory));
    const loaded = await loadLayersModel(nodeFileSystem(directory));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(
      model.layers.map((l) => l.getClassName()),
    );
    const original = weightValues(model);
    for (const [name, values] of weightValues(loaded)) expect(values).toEqual(original.get(name));
    expect(predict(loaded, images)).toEqual(expected);
    expect(readUnetConfig(loaded)).toEqual(readUnetConfig(model));
    tf.dispose(images);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the layers of each block', () => {
  const layerOf = (model: LayersModel, name: string) => model.getLayer(name);

  it('inverted residual: 1x1 expand (x6) + ReLU6, depthwise 3x3 + ReLU6, linear 1x1 project, add when shapes match', () => {
    const model = createUnet({ depth: 1, baseFilters: 4, block: 'inverted-residual', seed: 1 });
    expect(layerOf(model, 'enc1_b1_expand').getConfig()).toMatchObject({
      filters: 18,
      kernelSize: [1, 1],
      activation: 'relu6',
    });
    expect(layerOf(model, 'enc1_b1_dw').getClassName()).toBe('DepthwiseConv2D');
    expect(layerOf(model, 'enc1_b1_dw').getConfig()).toMatchObject({ activation: 'relu6' });
    expect(layerOf(model, 'enc1_b1_project').getConfig()).toMatchObject({
      filters: 4,
      activation: 'linear',
    });
    expect(model.layers.some((l) => l.name === 'enc1_b1_add')).toBe(false); // 3 -> 4 channels
    expect(layerOf(model, 'enc1_b2_add').getClassName()).toBe('Add');
    model.dispose();
    const noExpand = createUnet({
      depth: 1,
      baseFilters: 4,
      block: 'inverted-residual',
      expansion: 1,
    });
    expect(noExpand.layers.some((l) => l.name.endsWith('_expand'))).toBe(false);
    noExpand.dispose();
  });

  it('fire: squeeze 1x1, parallel 1x1 and 3x3 expand, concatenated', () => {
    const model = createUnet({ depth: 1, baseFilters: 8, block: 'fire', seed: 1 });
    expect(layerOf(model, 'enc1_f1_squeeze').getConfig()).toMatchObject({
      filters: 2,
      kernelSize: [1, 1],
    });
    expect(layerOf(model, 'enc1_f1_expand1').getConfig()).toMatchObject({
      filters: 4,
      kernelSize: [1, 1],
    });
    expect(layerOf(model, 'enc1_f1_expand3').getConfig()).toMatchObject({
      filters: 4,
      kernelSize: [3, 3],
    });
    expect(layerOf(model, 'enc1_f1_concat').outputShape).toEqual([null, null, null, 8]);
    model.dispose();
  });

  it('shuffle: group conv (ungrouped on the RGB input), channel shuffle, depthwise, group conv, residual', () => {
    const model = createUnet({ depth: 1, baseFilters: 8, block: 'shuffle', groups: 2, seed: 1 });
    expect(layerOf(model, 'enc1_s1_gconv1').getConfig()).toMatchObject({ groups: 1, filters: 2 });
    expect(model.layers.some((l) => l.name === 'enc1_s1_shuffle')).toBe(false);
    expect(layerOf(model, 'enc1_s1_gconv2').getConfig()).toMatchObject({ groups: 2, filters: 8 });
    expect(layerOf(model, 'enc1_s2_gconv1').getConfig()).toMatchObject({ groups: 2, filters: 2 });
    expect(layerOf(model, 'enc1_s2_shuffle').getClassName()).toBe('ChannelShuffle');
    expect(layerOf(model, 'enc1_s2_add').getClassName()).toBe('Add');
    expect(layerOf(model, 'enc1_s2_gconv1').weights[0]!.shape).toEqual([1, 1, 4, 2]);
    model.dispose();
  });

  it('xception: two separable convs and a 1x1 projection shortcut when widths differ', () => {
    const model = createUnet({ depth: 1, baseFilters: 4, block: 'xception', seed: 1 });
    expect(layerOf(model, 'enc1_sep1').getClassName()).toBe('SeparableConv2D');
    expect(layerOf(model, 'enc1_shortcut').getConfig()).toMatchObject({
      kernelSize: [1, 1],
      filters: 4,
    });
    expect(layerOf(model, 'enc1_add').inboundNodes[0]!.inboundLayers.map((l) => l.name)).toEqual([
      'enc1_shortcut',
      'enc1_sep2',
    ]);
    // The bottleneck's input already has... 4 channels, its output 8: projected too.
    expect(layerOf(model, 'bottleneck_shortcut').getConfig()).toMatchObject({ filters: 8 });
    model.dispose();
  });

  it('resnet: Keras names, stride-2 stage entry with projection shortcut, skips at every resolution', () => {
    const model = createUnet({
      encoder: 'resnet',
      resnetBlock: 'bottleneck',
      encoderBlocks: [2, 1],
      depth: 2,
      baseFilters: 4,
      inputSize: [8, 8],
      seed: 1,
    });
    const shape = (name: string) => layerOf(model, name).outputShape;
    expect(shape('conv1_relu')).toEqual([null, 8, 8, 4]);
    expect(shape('conv2_block1_0_conv')).toEqual([null, 4, 4, 16]);
    expect(shape('conv2_block1_1_conv')).toEqual([null, 4, 4, 4]);
    expect(shape('conv2_block2_out')).toEqual([null, 4, 4, 16]);
    expect(shape('conv3_block1_out')).toEqual([null, 2, 2, 32]);
    expect(layerOf(model, 'dec1_concat').inboundNodes[0]!.inboundLayers[0]!.name).toBe(
      'conv1_relu',
    );
    expect(layerOf(model, 'dec2_concat').inboundNodes[0]!.inboundLayers[0]!.name).toBe(
      'conv2_block2_out',
    );
    expect(layerOf(model, 'dec2_up').inboundNodes[0]!.inboundLayers[0]!.name).toBe(
      'conv3_block1_out',
    );
    model.dispose();
  });
});

describe('bad architecture fields fail with the field named', () => {
  it.each<[UnetConfig, string]>([
    [
      { block: 'dense' as UnetBlock },
      "createUnet: block must be 'standard' or 'separable' or 'inverted-residual' or 'fire' or 'shuffle' or 'xception', got 'dense'",
    ],
    [
      { encoder: 'vgg' as 'unet' },
      "createUnet: encoder must be 'unet' or 'resnet' or 'mobilenetv2', got 'vgg'",
    ],
    [{ classes: 0 }, 'createUnet: classes must be an integer in [1, 256], got 0'],
    [{ expansion: 1.5 }, 'createUnet: expansion must be an integer in [1, 16], got 1.5'],
    [
      { block: 'shuffle', groups: 3, baseFilters: 8 },
      "createUnet: block 'shuffle' needs baseFilters divisible by groups = 3, got 8",
    ],
    [
      { block: 'fire', baseFilters: 1 },
      "createUnet: block 'fire' needs baseFilters >= 2 (a 1x1 and a 3x3 expand half), got 1",
    ],
    [{ squeezeRatio: 0 }, 'createUnet: squeezeRatio must be a number in (0, 1], got 0'],
    [
      { encoder: 'resnet', depth: 2, encoderBlocks: [1, 2, 3] },
      'createUnet: encoderBlocks must list one count per stage (depth = 2), got [1, 2, 3]',
    ],
    [
      { resnetBlock: 'bottleneck' },
      "createUnet: resnetBlock applies to encoder 'resnet' only, got encoder 'unet'",
    ],
    [
      { encoder: 'mobilenetv2', depth: 5 },
      "createUnet: encoder 'mobilenetv2' has 5 resolutions (depth at most 4), got depth 5",
    ],
  ])('%j', (config, message) => {
    const before = tf.memory().numTensors;
    expect(() => createUnet(config)).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// ---- Cost: modelCost against closed forms derived by hand (README, "Cost of each block"). ----

/** Kernel weights of one level Cin -> F, and the channels of its batch norms (0 without). */
type LevelCost = (cin: number, filters: number) => { weights: number; bnChannels: number };

const standardLevel: LevelCost = (cin, f) => ({
  weights: 9 * cin * f + 9 * f * f,
  bnChannels: 2 * f,
});

function invertedResidualLevel(t: number): LevelCost {
  const block = (a: number, b: number) => (t > 1 ? a * t * a : 0) + 9 * t * a + t * a * b;
  const bn = (a: number, b: number) => (t > 1 ? t * a : 0) + t * a + b;
  return (cin, f) => ({ weights: block(cin, f) + block(f, f), bnChannels: bn(cin, f) + bn(f, f) });
}

function fireLevel(ratio: number): LevelCost {
  const module = (a: number, f: number) => {
    const s = Math.max(1, Math.round(ratio * f));
    const e1 = Math.floor(f / 2);
    return a * s + s * e1 + 9 * s * (f - e1);
  };
  return (cin, f) => ({
    weights: module(cin, f) + module(f, f),
    bnChannels: 2 * (Math.max(1, Math.round(ratio * f)) + f),
  });
}

function shuffleLevel(g: number): LevelCost {
  const unit = (a: number, f: number) => {
    const m = g * Math.ceil(f / (4 * g));
    const g1 = a % g === 0 ? g : 1;
    return (a * m) / g1 + 9 * m + (m * f) / g;
  };
  const bn = (f: number) => 2 * g * Math.ceil(f / (4 * g)) + f;
  return (cin, f) => ({ weights: unit(cin, f) + unit(f, f), bnChannels: 2 * bn(f) });
}

const xceptionLevel: LevelCost = (cin, f) => ({
  weights: 9 * cin + cin * f + 9 * f + f * f + (cin === f ? 0 : cin * f),
  bnChannels: 2 * f + (cin === f ? 0 : f),
});

/**
 * Weights and MACs of a thesis-encoder U-Net with `level` blocks, transposed-conv up, 3x3 head,
 * `classes` outputs, at level pixels P[1..depth+1]; batch norm adds one MAC per BN output element.
 */
function unetClosedForm(
  level: LevelCost,
  depth: number,
  base: number,
  classes: number,
  pixels: number[],
  batchNorm: boolean,
) {
  let weights = 0;
  let macs = 0;
  const add = (cost: { weights: number; bnChannels: number }, p: number) => {
    weights += cost.weights;
    macs += cost.weights * p + (batchNorm ? cost.bnChannels * p : 0);
  };
  const width = (i: number) => base * 2 ** (i - 1);
  for (let i = 1; i <= depth; i += 1) add(level(i === 1 ? 3 : width(i - 1), width(i)), pixels[i]!);
  add(level(width(depth), width(depth + 1)), pixels[depth + 1]!);
  for (let i = depth; i >= 1; i -= 1) {
    add({ weights: 4 * width(i + 1) * width(i), bnChannels: 0 }, pixels[i]!);
    add(level(2 * width(i), width(i)), pixels[i]!);
  }
  add({ weights: 9 * base * classes, bnChannels: 0 }, pixels[1]!);
  return { weights, macs };
}

// 16 x 24 input: level 1 = 384 px, level 2 = 96 px, level 3 = 24 px.
const PIXELS = [0, 384, 96, 24, 6];

describe('modelCost equals the closed form of every block', () => {
  const cases: Array<[string, UnetConfig, LevelCost]> = [
    ['standard', { block: 'standard' }, standardLevel],
    ['inverted-residual t=6', { block: 'inverted-residual' }, invertedResidualLevel(6)],
    [
      'inverted-residual t=1',
      { block: 'inverted-residual', expansion: 1 },
      invertedResidualLevel(1),
    ],
    ['fire 0.25', { block: 'fire' }, fireLevel(0.25)],
    ['fire 0.5', { block: 'fire', squeezeRatio: 0.5 }, fireLevel(0.5)],
    ['shuffle g=2', { block: 'shuffle', groups: 2 }, shuffleLevel(2)],
    ['shuffle g=4', { block: 'shuffle', groups: 4 }, shuffleLevel(4)],
    ['xception', { block: 'xception' }, xceptionLevel],
  ];
  for (const [label, config, level] of cases) {
    for (const batchNorm of [false, true]) {
      it(`${label}${batchNorm ? ' + batch norm' : ''}, depth 2, 8 channels, 3 classes`, () => {
        const model = createUnet({
          ...config,
          depth: 2,
          baseFilters: 8,
          classes: 3,
          batchNorm,
          seed: 0,
        });
        const { total, unknownLayers } = modelCost(model, { height: 16, width: 24 });
        const params = model.countParams();
        model.dispose();
        const expected = unetClosedForm(level, 2, 8, 3, PIXELS, batchNorm);
        expect(unknownLayers).toEqual([]);
        expect(total.weights).toBe(expected.weights);
        expect(total.macs).toBe(expected.macs);
        expect(total.params).toBe(params);
      });
    }
  }

  it('a hand-counted case: shuffle, depth 1, 8 channels, groups 2, 1 class, 8x8 input', () => {
    // enc1  s1 3->8: m=2, g1=1: 3*2 + 9*2 + 2*8/2 = 32;   s2 8->8: 8*2/2 + 18 + 8 = 34
    // bottleneck s1 8->16: m=4: 8*4/2 + 36 + 4*16/2 = 84; s2 16->16: 32 + 36 + 32 = 100
    // dec1 up 4*16*8 = 512; s1 16->8: m=2: 16*2/2 + 18 + 8 = 42; s2 8->8: 34; head 9*8 = 72
    const model = createUnet({ depth: 1, baseFilters: 8, block: 'shuffle', seed: 0 });
    const { total } = modelCost(model, { height: 8, width: 8 });
    model.dispose();
    expect(total.weights).toBe(32 + 34 + 84 + 100 + 512 + 42 + 34 + 72);
    expect(total.macs).toBe((32 + 34 + 512 + 42 + 34 + 72) * 64 + (84 + 100) * 16);
  });

  it('fireWidths and shuffleBottleneck follow the documented rules', () => {
    expect(fireWidths(8, 0.25)).toEqual({ squeeze: 2, expand1: 4, expand3: 4 });
    expect(fireWidths(5, 0.125)).toEqual({ squeeze: 1, expand1: 2, expand3: 3 });
    expect(shuffleBottleneck(8, 2)).toBe(2);
    expect(shuffleBottleneck(16, 2)).toBe(4);
    expect(shuffleBottleneck(8, 4)).toBe(4);
  });
});

describe('modelCost equals the closed form of every encoder', () => {
  /** Decoder (standard blocks, transposed up, 3x3 head) on skip widths `skips`, bottleneck width. */
  function decoder(skips: number[], bottom: number, base: number, pixels: number[]) {
    let weights = 0;
    let macs = 0;
    let previous = bottom;
    for (let i = skips.length; i >= 1; i -= 1) {
      const f = base * 2 ** (i - 1);
      const level = 4 * previous * f + 9 * (skips[i - 1]! + f) * f + 9 * f * f;
      weights += level;
      macs += level * pixels[i]!;
      previous = f;
    }
    weights += 9 * base;
    macs += 9 * base * pixels[1]!;
    return { weights, macs };
  }

  it.each([
    ['basic', [2, 1]],
    ['basic', [1, 3]],
    ['bottleneck', [2, 1]],
  ] as const)('resnet %s blocks %j, depth 2, 4 channels', (kind, blocks) => {
    const base = 4;
    let weights = 9 * 3 * base;
    let macs = weights * PIXELS[1]! + base * PIXELS[1]!; // stem conv + its batch norm
    let channels = base;
    const skips = [base];
    blocks.forEach((count, index) => {
      const stage = index + 1;
      const w = base * 2 ** (stage - 1);
      const out = kind === 'bottleneck' ? 4 * w : w;
      const p = PIXELS[stage + 1]!;
      for (let b = 1; b <= count; b += 1) {
        const cin = b === 1 ? channels : out;
        // kernel weights and batch-norm channels of the block's convs (+ the shortcut on block 1)
        const [kernel, bn] =
          kind === 'bottleneck'
            ? [cin * w + 9 * w * w + w * 4 * w, w + w + 4 * w]
            : [9 * cin * w + 9 * w * w, 2 * w];
        const shortcut = b === 1 ? [cin * out, out] : [0, 0];
        weights += kernel + shortcut[0]!;
        macs += (kernel + shortcut[0]!) * p + (bn + shortcut[1]!) * p;
      }
      channels = out;
      if (stage < blocks.length) skips.push(out);
    });
    const tail = decoder(skips, channels, base, PIXELS);
    const model = createUnet({
      encoder: 'resnet',
      resnetBlock: kind,
      encoderBlocks: [...blocks],
      depth: 2,
      baseFilters: base,
      seed: 0,
    });
    const { total, unknownLayers } = modelCost(model, { height: 16, width: 24 });
    model.dispose();
    expect(unknownLayers).toEqual([]);
    expect(total.weights).toBe(weights + tail.weights);
    expect(total.macs).toBe(macs + tail.macs);
  });

  it('mobilenetv2, depth 2, baseFilters 8 (alpha 0.25): counted by hand', () => {
    // Widths: stem make_divisible(32*0.25) = 8; every block's output make_divisible(c*0.25) = 8.
    // Level 1 (384 px): Conv1 9*3*8 = 216, BN 8; expanded_conv (t=1) dw 9*8 + project 8*8 = 136,
    //   BN 8 + 8, add. Level 2 (96 px): blocks 1 and 2 (block 1 stride 2, its expand still at
    //   384 px): expand 8*48 = 384, BN 48; dw 9*48 = 432, BN 48; project 48*8 = 384, BN 8.
    // Level 3 (24 px): blocks 3-5 likewise (block 3's expand at 96 px).
    const block = 384 + 432 + 384;
    const encoderWeights = 216 + 136 + 5 * block;
    const encoderMacs =
      (216 + 8) * 384 +
      (136 + 16) * 384 +
      (384 + 48) * 384 + // block 1 expand
      (432 + 384 + 56) * 96 + // block 1 dw + project
      (block + 104) * 96 + // block 2
      (384 + 48) * 96 + // block 3 expand
      (432 + 384 + 56) * 24 + // block 3 dw + project
      2 * (block + 104) * 24; // blocks 4, 5
    // Decoder: dec2 up 4*8*16, concat 8+16 -> 16: 9*24*16 + 9*16*16 (96 px); dec1 up 4*16*8,
    // concat 8+8 -> 8: 9*16*8 + 9*8*8 (384 px); head 9*8 (384 px).
    const dec2 = 512 + 3456 + 2304;
    const dec1 = 512 + 1152 + 576 + 72;
    const model = createUnet({ encoder: 'mobilenetv2', depth: 2, baseFilters: 8, seed: 0 });
    const { total, unknownLayers } = modelCost(model, { height: 16, width: 24 });
    model.dispose();
    expect(unknownLayers).toEqual([]);
    expect(total.weights).toBe(encoderWeights + dec2 + dec1);
    expect(total.macs).toBe(encoderMacs + dec2 * 96 + dec1 * 384);
  });
});

describe('the earlier models are unchanged', () => {
  it('a standard or separable U-Net records no architecture field in its metadata (same model.json)', () => {
    for (const block of ['standard', 'separable'] as const) {
      const model = createUnet({ depth: 1, baseFilters: 2, block, seed: 1 });
      const stored = (model.getUserDefinedMetadata() as Record<string, Record<string, unknown>>)
        .crackUnet!;
      expect(Object.keys(stored).sort()).toEqual(
        [
          'batchNorm',
          'baseFilters',
          'block',
          'depth',
          'dropout',
          'headKernel',
          'inputChannels',
          'inputSize',
          'name',
          'seed',
          'upsampling',
        ].sort(),
      );
      // Read back, the defaults of the new fields are filled in.
      expect(readUnetConfig(model)).toMatchObject({ encoder: 'unet', classes: 1 });
      model.dispose();
    }
  });
});
