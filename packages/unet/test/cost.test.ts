import { modelCost } from '@crack/metrics/cost';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUnet, thesisTeacher, type UnetConfig } from '../src/index';
import { useCpu } from './helpers';

beforeAll(useCpu);

const THESIS_SIZE = { height: 320, width: 480 };

// Thesis section 9: input 3x320x480, 3x3 single-channel head. [poolings, base, weights, with bias, MACs]
const SECTION_9: Array<[number, number, number, number, number]> = [
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

describe('cost of the thesis models (section 9) by @crack/metrics/cost', () => {
  it.each(SECTION_9)(
    '%i poolings, %i channels: %i weights, %i with bias, %i MACs',
    (depth, baseFilters, weights, withBias, macs) => {
      const before = tf.memory().numTensors;
      const model = createUnet({ ...thesisTeacher, depth, baseFilters, seed: 0 });
      const { total, unknownLayers } = modelCost(model, THESIS_SIZE);
      const params = model.countParams();
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(unknownLayers).toEqual([]);
      expect(total.weights).toBe(weights);
      expect(total.macs).toBe(macs);
      expect(params).toBe(withBias);
      expect(total.params).toBe(withBias);
    },
  );
});

// Hand-computed variants, at 320x480 (153,600 px), 160x240 (38,400 px), 80x120 (9,600 px).
// A 3x3 separable conv Cin -> Cout has 9*Cin depthwise + Cin*Cout pointwise weights and one MAC per
// weight per output pixel; a bilinear up is a free resize plus a 3x3 conv 2C -> C.
describe('cost of the separable and bilinear variants (depth 2, 8 channels, 3x3 head)', () => {
  const cost = (config: UnetConfig) => {
    const model = createUnet({ depth: 2, baseFilters: 8, seed: 0, ...config });
    const { total } = modelCost(model, THESIS_SIZE);
    const params = model.countParams();
    model.dispose();
    return { ...total, countParams: params };
  };

  it('separable blocks', () => {
    // 320x480: enc1 (27+24) + (72+64); dec1 up 2*2*16*8, (144+128) + (72+64); head 9*8.
    const full = 51 + 136 + 512 + 272 + 136 + 72; // 1179
    // 160x240: enc2 (72+128) + (144+256); dec2 up 2*2*32*16, (288+512) + (144+256).
    const half = 200 + 400 + 2048 + 800 + 400; // 3848
    // 80x120: bottleneck (144+512) + (288+1024).
    const quarter = 656 + 1312; // 1968
    // Biases: 8+8+16+16 (encoder) + 32+32 (bottleneck) + 16+16+16 + 8+8+8 (decoder) + 1 (head).
    const biases = 185;
    const total = cost({ block: 'separable' });
    expect(total.weights).toBe(full + half + quarter);
    expect(total.weights).toBe(6995);
    expect(total.macs).toBe(full * 153600 + half * 38400 + quarter * 9600);
    expect(total.macs).toBe(347750400);
    expect(total.countParams).toBe(6995 + biases);
  });

  it('bilinear upsampling', () => {
    // 320x480: enc1 9*3*8 + 9*8*8; dec1 up conv 9*16*8, 9*16*8 + 9*8*8; head 9*8.
    const full = 216 + 576 + 1152 + 1152 + 576 + 72; // 3744
    // 160x240: enc2 9*8*16 + 9*16*16; dec2 up conv 9*32*16, 9*32*16 + 9*16*16.
    const half = 1152 + 2304 + 4608 + 4608 + 2304; // 14976
    // 80x120: bottleneck 9*16*32 + 9*32*32.
    const quarter = 4608 + 9216; // 13824
    const total = cost({ upsampling: 'bilinear' });
    expect(total.weights).toBe(32544);
    expect(total.weights).toBe(full + half + quarter);
    expect(total.macs).toBe(full * 153600 + half * 38400 + quarter * 9600);
    expect(total.countParams).toBe(32544 + 185);
  });

  it('separable blocks with bilinear upsampling', () => {
    // As the separable case with each 2x2 transposed conv 4*2C*C replaced by a 3x3 conv 9*2C*C.
    const full = 1179 - 512 + 1152;
    const half = 3848 - 2048 + 4608;
    const quarter = 1968;
    const total = cost({ block: 'separable', upsampling: 'bilinear' });
    expect(total.weights).toBe(10195);
    expect(total.macs).toBe(full * 153600 + half * 38400 + quarter * 9600);
    expect(total.macs).toBe(544358400);
  });

  it('batch norm: 4 parameters per channel (gamma, beta, moving mean and variance), no conv bias', () => {
    // Depth 1, 4 channels, 1x1 head: level convs 3->4, 4->4, 4->8, 8->8, 8->4, 4->4.
    const model = createUnet({ depth: 1, baseFilters: 4, batchNorm: true, headKernel: 1, seed: 0 });
    const weights = 9 * (3 * 4 + 4 * 4 + 4 * 8 + 8 * 8 + 8 * 4 + 4 * 4) + 4 * 8 * 4 + 4;
    const batchNorm = 4 * (4 + 4 + 8 + 8 + 4 + 4);
    const biases = 4 + 1; // the transposed conv and the head keep theirs
    const { total } = modelCost(model, { height: 16, width: 16 });
    expect(total.weights).toBe(weights);
    expect(model.countParams()).toBe(weights + batchNorm + biases);
    model.dispose();
  });
});
