import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  heNormal,
  heStandardDeviation,
  layerSeed,
  type UnetConfig,
} from '../src/index';
import { useCpu, weightValues } from './helpers';

beforeAll(useCpu);

function build(config: UnetConfig): Map<string, Float32Array> {
  const model = createUnet(config);
  const values = weightValues(model);
  model.dispose();
  return values;
}

function moments(values: Float32Array) {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean) };
}

function kernelOf(model: LayersModel, layer: string, weight: string): Float32Array {
  return model
    .getLayer(layer)
    .weights.find((w) => w.originalName === `${layer}/${weight}`)!
    .read()
    .dataSync() as Float32Array;
}

describe('seeded He initialisation', () => {
  const small: UnetConfig = { depth: 2, baseFilters: 4, block: 'standard' };

  it.each<UnetConfig>([
    small,
    { ...small, block: 'separable', upsampling: 'bilinear', batchNorm: true },
  ])('the same config and seed give identical weights (%j)', (config) => {
    const first = build({ ...config, seed: 42 });
    const second = build({ ...config, seed: 42 });
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [name, values] of first) expect(second.get(name), name).toEqual(values);
  });

  it('different seeds give different kernels; biases start at zero', () => {
    const first = build({ ...small, seed: 1 });
    const second = build({ ...small, seed: 2 });
    for (const [name, values] of first) {
      if (name.endsWith('/kernel')) expect(second.get(name), name).not.toEqual(values);
      if (name.endsWith('/bias'))
        expect(
          values.every((v) => v === 0),
          name,
        ).toBe(true);
    }
  });

  it('equally shaped kernels of one model are drawn independently', () => {
    const weights = build({ depth: 1, baseFilters: 4, seed: 5 });
    // enc1_conv2 and dec1_conv2 are both 3x3x4x4.
    expect(weights.get('enc1_conv2/kernel')!.length).toBe(weights.get('dec1_conv2/kernel')!.length);
    expect(weights.get('enc1_conv2/kernel')).not.toEqual(weights.get('dec1_conv2/kernel'));
  });

  it('draws from the untruncated N(0, sqrt(2 / fan-in)) of the thesis', () => {
    const model = createUnet({ depth: 1, baseFilters: 64, seed: 11 });
    // bottleneck_conv2: 3x3x128x128 = 147,456 draws, fan-in 1152.
    const values = kernelOf(model, 'bottleneck_conv2', 'kernel');
    const sigma = Math.sqrt(2 / 1152);
    const { mean, std } = moments(values);
    expect(Math.abs(mean)).toBeLessThan(0.01 * sigma);
    expect(std / sigma).toBeCloseTo(1, 2);
    // A normal has 4.55 % of its mass beyond 2 sigma; tfjs's truncated heNormal would have none.
    const tail = values.filter((v) => Math.abs(v) > 2 * sigma).length / values.length;
    expect(tail).toBeGreaterThan(0.042);
    expect(tail).toBeLessThan(0.049);
    // Transposed 2x2 stride-2 up: each output pixel sees one tap per input channel, fan-in 128.
    expect(moments(kernelOf(model, 'dec1_up', 'kernel')).std / Math.sqrt(2 / 128)).toBeCloseTo(
      1,
      1,
    );
    // Head: 3x3x64 -> 1, fan-in 576 (only 576 draws, so a looser check).
    expect(moments(kernelOf(model, 'head', 'kernel')).std / Math.sqrt(2 / 576)).toBeGreaterThan(
      0.85,
    );
    model.dispose();
  });

  it('splits the He variance of a separable conv: depthwise sqrt(2/9), pointwise sqrt(1/Cin)', () => {
    const model = createUnet({ depth: 1, baseFilters: 64, block: 'separable', seed: 3 });
    const depthwise = moments(kernelOf(model, 'bottleneck_conv2', 'depthwise_kernel')); // 1152 draws
    const pointwise = moments(kernelOf(model, 'bottleneck_conv2', 'pointwise_kernel')); // 16384 draws
    expect(depthwise.std / Math.sqrt(2 / 9)).toBeGreaterThan(0.92);
    expect(depthwise.std / Math.sqrt(2 / 9)).toBeLessThan(1.08);
    expect(pointwise.std / Math.sqrt(1 / 128)).toBeCloseTo(1, 1);
    model.dispose();
  });
});

describe('layerSeed', () => {
  it('matches FNV-1a + murmur3 fmix32 computed independently', () => {
    expect(layerSeed(7, 'enc1_conv1', 'kernel')).toBe(2737829559);
    expect(layerSeed(0, 'head', 'kernel')).toBe(889598791);
    expect(layerSeed(-3, 'enc1_conv1', 'depthwise_kernel')).toBe(1930993250);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => layerSeed(0.5, 'head', 'kernel')).toThrow(
      'layerSeed: seed must be a safe integer, got 0.5',
    );
  });
});

describe('heNormal', () => {
  it('is a serialisable, untruncated RandomNormal with the He standard deviation', () => {
    expect(heStandardDeviation(18)).toBe(1 / 3);
    expect(heStandardDeviation(4, 1)).toBe(0.5);
    const initializer = heNormal({ fanIn: 18, seed: 9 });
    expect(initializer.getClassName()).toBe('RandomNormal');
    expect(initializer.getConfig()).toEqual({ mean: 0, stddev: 1 / 3, seed: 9 });
    expect(() => heStandardDeviation(0)).toThrow(
      'heStandardDeviation: fanIn must be an integer >= 1, got 0',
    );
    expect(() => heStandardDeviation(4, 0)).toThrow('heStandardDeviation: gain must be > 0, got 0');
  });
});
