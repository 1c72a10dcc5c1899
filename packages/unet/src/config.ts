/**
 * The one config object every U-Net of this package is built from: its fields, their defaults
 * and their validation. The defaults are the thesis's U-Net (section 3): 4 poolings, 64 base
 * channels, two 3x3 conv + ReLU per level, 2x2 transposed-conv upsampling and a 3x3 head.
 */

/** The two 3x3 convolutions of every level: plain (the thesis) or depthwise-separable (MobileNet). */
export type UnetBlock = 'standard' | 'separable';

/** How the decoder doubles the resolution. */
export type UnetUpsampling = 'transpose' | 'bilinear';

/** Options of {@link createUnet}. Every field is optional; see {@link UNET_DEFAULTS}. */
export interface UnetConfig {
  /**
   * Number of 2x2 max-poolings (encoder levels). Integer in [1, 6]. Default 4 (the thesis's U-Net;
   * its student uses 2). The input height and width must be divisible by 2^depth.
   */
  depth?: number;
  /**
   * Channels of the first level; they double after every pooling, so the bottleneck has
   * baseFilters * 2^depth. Integer in [1, 1024]. Default 64 (the thesis's U-Net; its student uses 8).
   */
  baseFilters?: number;
  /** Channels of the input image. Integer in [1, 256]. Default 3 (RGB). */
  inputChannels?: number;
  /**
   * Fixed input size [height, width], each a positive integer divisible by 2^depth, or null for a
   * model that accepts any such size (fully convolutional). Default null. The thesis uses [320, 480].
   */
  inputSize?: readonly [number, number] | null;
  /**
   * The convolutions of every level. 'standard' (default): two 3x3 Conv2D, as in the thesis.
   * 'separable': two 3x3 SeparableConv2D (a depthwise 3x3 conv then a pointwise 1x1 conv, as in
   * MobileNet). The upsampling and head convolutions stay standard either way.
   */
  block?: UnetBlock;
  /**
   * Insert batch normalisation between every level convolution and its ReLU
   * (conv -> BatchNormalization -> ReLU). Those convolutions then have no bias (the BN shift plays
   * its role). Default false (the thesis has no BN).
   */
  batchNorm?: boolean;
  /**
   * 'transpose' (default): a 2x2 stride-2 Conv2DTranspose that halves the channels, as in the
   * thesis. 'bilinear': UpSampling2D with bilinear interpolation, then a 3x3 Conv2D that halves
   * the channels (resize-convolution, free of checkerboard artifacts). Both are linear (no ReLU).
   */
  upsampling?: UnetUpsampling;
  /** Kernel size of the single-channel output convolution: 1 or 3. Default 3 (the thesis's figures). */
  headKernel?: 1 | 3;
  /**
   * Dropout rate after the bottleneck (the end of the contracting path, as in the original U-Net).
   * Number in [0, 1). Default 0: no dropout layer at all.
   */
  dropout?: number;
  /**
   * Seed of the weight initialisation. A safe integer. Two models built from the same config and
   * seed have identical weights. Default undefined: a random seed. The dropout mask is not seeded:
   * a seeded tfjs dropout would draw the same mask at every training step.
   */
  seed?: number;
  /** Name of the LayersModel. Non-empty string. Default 'unet'. */
  name?: string;
}

/** A {@link UnetConfig} with every field filled in and validated (the seed may stay undefined). */
export interface ResolvedUnetConfig {
  /** See {@link UnetConfig.depth}. */
  depth: number;
  /** See {@link UnetConfig.baseFilters}. */
  baseFilters: number;
  /** See {@link UnetConfig.inputChannels}. */
  inputChannels: number;
  /** See {@link UnetConfig.inputSize}. */
  inputSize: readonly [number, number] | null;
  /** See {@link UnetConfig.block}. */
  block: UnetBlock;
  /** See {@link UnetConfig.batchNorm}. */
  batchNorm: boolean;
  /** See {@link UnetConfig.upsampling}. */
  upsampling: UnetUpsampling;
  /** See {@link UnetConfig.headKernel}. */
  headKernel: 1 | 3;
  /** See {@link UnetConfig.dropout}. */
  dropout: number;
  /** See {@link UnetConfig.seed}; undefined: a random seed per model. */
  seed: number | undefined;
  /** See {@link UnetConfig.name}. */
  name: string;
}

/** The default of every {@link UnetConfig} field: the thesis's U-Net at any input size. */
export const UNET_DEFAULTS: Readonly<ResolvedUnetConfig> = Object.freeze({
  depth: 4,
  baseFilters: 64,
  inputChannels: 3,
  inputSize: null,
  block: 'standard',
  batchNorm: false,
  upsampling: 'transpose',
  headKernel: 3,
  dropout: 0,
  seed: undefined,
  name: 'unet',
});

/** Accepted ranges of the integer fields of {@link UnetConfig} (inclusive). */
export const UNET_LIMITS = Object.freeze({
  /** Range of {@link UnetConfig.depth}. */
  depth: Object.freeze({
    /** Smallest accepted value. */
    min: 1,
    /** Largest accepted value. */
    max: 6,
  }),
  /** Range of {@link UnetConfig.baseFilters}. */
  baseFilters: Object.freeze({
    /** Smallest accepted value. */
    min: 1,
    /** Largest accepted value. */
    max: 1024,
  }),
  /** Range of {@link UnetConfig.inputChannels}. */
  inputChannels: Object.freeze({
    /** Smallest accepted value. */
    min: 1,
    /** Largest accepted value. */
    max: 256,
  }),
});

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(UNET_DEFAULTS));

/**
 * Fills in the defaults of a {@link UnetConfig} and validates every field. Throws an Error whose
 * message starts with `caller`, names the field and the accepted range, e.g.
 * "createUnet: inputSize [321, 480] must be divisible by 2^depth = 16".
 */
export function resolveUnetConfig(
  config: UnetConfig = {},
  caller = 'createUnet',
): ResolvedUnetConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${caller}: config must be an object, got ${describe(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new TypeError(
        `${caller}: unknown config field '${key}'; expected one of ${[...KNOWN_FIELDS].join(', ')}`,
      );
    }
  }
  const defined = Object.fromEntries(
    Object.entries(config).filter(([, value]) => value !== undefined),
  ) as UnetConfig;
  const resolved: ResolvedUnetConfig = { ...UNET_DEFAULTS, ...defined };

  for (const field of ['depth', 'baseFilters', 'inputChannels'] as const) {
    const { min, max } = UNET_LIMITS[field];
    const value = resolved[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(
        `${caller}: ${field} must be an integer in [${min}, ${max}], got ${describe(value)}`,
      );
    }
  }
  resolved.inputSize = checkInputSize(caller, resolved.inputSize, resolved.depth);
  checkChoice(caller, 'block', resolved.block, ['standard', 'separable']);
  checkChoice(caller, 'upsampling', resolved.upsampling, ['transpose', 'bilinear']);
  checkChoice(caller, 'headKernel', resolved.headKernel, [1, 3]);
  if (typeof resolved.batchNorm !== 'boolean') {
    throw new TypeError(
      `${caller}: batchNorm must be true or false, got ${describe(resolved.batchNorm)}`,
    );
  }
  if (typeof resolved.dropout !== 'number' || !(resolved.dropout >= 0 && resolved.dropout < 1)) {
    throw new RangeError(
      `${caller}: dropout must be a number in [0, 1), got ${describe(resolved.dropout)}`,
    );
  }
  if (resolved.seed !== undefined && !Number.isSafeInteger(resolved.seed)) {
    throw new RangeError(`${caller}: seed must be a safe integer, got ${describe(resolved.seed)}`);
  }
  if (typeof resolved.name !== 'string' || resolved.name.length === 0) {
    throw new TypeError(
      `${caller}: name must be a non-empty string, got ${describe(resolved.name)}`,
    );
  }
  return resolved;
}

function checkInputSize(
  caller: string,
  inputSize: unknown,
  depth: number,
): readonly [number, number] | null {
  if (inputSize === null) return null;
  if (
    !Array.isArray(inputSize) ||
    inputSize.length !== 2 ||
    !inputSize.every((side) => Number.isInteger(side) && side > 0)
  ) {
    throw new TypeError(
      `${caller}: inputSize must be null or [height, width] of positive integers, got ${describe(inputSize)}`,
    );
  }
  const factor = 2 ** depth;
  if (inputSize[0] % factor !== 0 || inputSize[1] % factor !== 0) {
    throw new RangeError(
      `${caller}: inputSize [${inputSize[0]}, ${inputSize[1]}] must be divisible by 2^depth = ${factor}`,
    );
  }
  return [inputSize[0], inputSize[1]];
}

function checkChoice<T>(caller: string, field: string, value: T, choices: readonly T[]): void {
  if (!choices.includes(value)) {
    const expected = choices.map((choice) => describe(choice)).join(' or ');
    throw new TypeError(`${caller}: ${field} must be ${expected}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}
