import { describe, expect, it } from 'vitest';
import { resolveUnetConfig, UNET_DEFAULTS } from '../src/index';

describe('resolveUnetConfig', () => {
  it('fills in the thesis U-Net as defaults', () => {
    expect(resolveUnetConfig()).toEqual({
      depth: 4,
      baseFilters: 64,
      inputChannels: 3,
      inputSize: null,
      block: 'standard',
      encoder: 'unet',
      resnetBlock: 'basic',
      encoderBlocks: 2,
      classes: 1,
      expansion: 6,
      groups: 2,
      squeezeRatio: 0.25,
      batchNorm: false,
      upsampling: 'transpose',
      headKernel: 3,
      dropout: 0,
      seed: undefined,
      name: 'unet',
    });
    expect(Object.isFrozen(UNET_DEFAULTS)).toBe(true);
  });

  it('keeps given fields and treats undefined as absent', () => {
    const resolved = resolveUnetConfig({ depth: 2, baseFilters: undefined, inputSize: [64, 96] });
    expect(resolved.depth).toBe(2);
    expect(resolved.baseFilters).toBe(64);
    expect(resolved.inputSize).toEqual([64, 96]);
  });

  it.each([
    [
      { inputSize: [321, 480] },
      'createUnet: inputSize [321, 480] must be divisible by 2^depth = 16',
    ],
    [
      { depth: 2, inputSize: [64, 90] },
      'createUnet: inputSize [64, 90] must be divisible by 2^depth = 4',
    ],
    [
      { inputSize: [320] },
      'createUnet: inputSize must be null or [height, width] of positive integers, got [320]',
    ],
    [
      { inputSize: [0, 0] },
      'createUnet: inputSize must be null or [height, width] of positive integers, got [0, 0]',
    ],
    [{ depth: 0 }, 'createUnet: depth must be an integer in [1, 6], got 0'],
    [{ depth: 7 }, 'createUnet: depth must be an integer in [1, 6], got 7'],
    [{ depth: 2.5 }, 'createUnet: depth must be an integer in [1, 6], got 2.5'],
    [{ baseFilters: 0 }, 'createUnet: baseFilters must be an integer in [1, 1024], got 0'],
    [{ baseFilters: 2048 }, 'createUnet: baseFilters must be an integer in [1, 1024], got 2048'],
    [{ inputChannels: -1 }, 'createUnet: inputChannels must be an integer in [1, 256], got -1'],
    [
      { block: 'dense' },
      "createUnet: block must be 'standard' or 'separable' or 'inverted-residual' or 'fire' or 'shuffle' or 'xception', got 'dense'",
    ],
    [
      { upsampling: 'nearest' },
      "createUnet: upsampling must be 'transpose' or 'bilinear', got 'nearest'",
    ],
    [{ headKernel: 5 }, 'createUnet: headKernel must be 1 or 3, got 5'],
    [{ batchNorm: 1 }, 'createUnet: batchNorm must be true or false, got 1'],
    [{ dropout: 1 }, 'createUnet: dropout must be a number in [0, 1), got 1'],
    [{ dropout: -0.1 }, 'createUnet: dropout must be a number in [0, 1), got -0.1'],
    [{ seed: 1.5 }, 'createUnet: seed must be a safe integer, got 1.5'],
    [{ name: '' }, "createUnet: name must be a non-empty string, got ''"],
    [{ basefilters: 8 }, "createUnet: unknown config field 'basefilters'"],
  ])('rejects %j', (config, message) => {
    expect(() => resolveUnetConfig(config as never)).toThrow(message);
  });

  it('rejects a config that is not an object, naming the caller', () => {
    expect(() => resolveUnetConfig([] as never, 'myBuilder')).toThrow(
      'myBuilder: config must be an object, got []',
    );
  });
});
