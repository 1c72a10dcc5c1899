import { beforeAll, describe, expect, it } from 'vitest';
import {
  bottleneckLayerName,
  createUnet,
  decoderLayerName,
  encoderLayerName,
  parseUnetLayerName,
  type UnetConfig,
  unetLayerNames,
} from '../src/index';
import { useCpu } from './helpers';

beforeAll(useCpu);

describe('layer names', () => {
  it('follow the documented scheme', () => {
    expect(encoderLayerName(1, 'conv1')).toBe('enc1_conv1');
    expect(encoderLayerName(3, 'pool')).toBe('enc3_pool');
    expect(bottleneckLayerName('conv2')).toBe('bottleneck_conv2');
    expect(decoderLayerName(2, 'up')).toBe('dec2_up');
    expect(decoderLayerName(1, 'conv2_relu')).toBe('dec1_conv2_relu');
    expect(() => encoderLayerName(0, 'conv1')).toThrow(
      'encoderLayerName: level must be an integer >= 1, got 0',
    );
  });

  it('parse back, and unknown names give null', () => {
    expect(parseUnetLayerName('enc12_conv1_bn')).toEqual({
      part: 'encoder',
      level: 12,
      role: 'conv1_bn',
    });
    expect(parseUnetLayerName('dec1_up_conv')).toEqual({
      part: 'decoder',
      level: 1,
      role: 'up_conv',
    });
    expect(parseUnetLayerName('bottleneck_dropout')).toEqual({
      part: 'bottleneck',
      level: null,
      role: 'dropout',
    });
    expect(parseUnetLayerName('head')).toEqual({ part: 'head', level: null, role: '' });
    expect(parseUnetLayerName('input')).toEqual({ part: 'input', level: null, role: '' });
    for (const name of [
      'enc1_up',
      'dec1_pool',
      'enc0_conv1',
      'bottleneck_pool',
      'conv2d_1',
      'enc1',
    ]) {
      expect(parseUnetLayerName(name)).toBeNull();
    }
  });

  it('lists the depth-2 thesis student layer by layer', () => {
    expect(unetLayerNames({ depth: 2 })).toEqual([
      'input',
      'enc1_conv1',
      'enc1_conv2',
      'enc1_pool',
      'enc2_conv1',
      'enc2_conv2',
      'enc2_pool',
      'bottleneck_conv1',
      'bottleneck_conv2',
      'dec2_up',
      'dec2_concat',
      'dec2_conv1',
      'dec2_conv2',
      'dec1_up',
      'dec1_concat',
      'dec1_conv1',
      'dec1_conv2',
      'head',
    ]);
  });

  it.each<UnetConfig>([
    { depth: 3 },
    { depth: 1, batchNorm: true, dropout: 0.5 },
    { depth: 2, upsampling: 'bilinear', block: 'separable' },
  ])('match the built model for %j', (config) => {
    const model = createUnet({ ...config, baseFilters: 2, seed: 1 });
    const names = model.layers.map((layer) => layer.name);
    model.dispose();
    expect(names).toEqual(unetLayerNames(config));
    for (const name of names) expect(parseUnetLayerName(name)).not.toBeNull();
  });
});
