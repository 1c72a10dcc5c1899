/**
 * The one config object every U-Net of this package is built from: its fields, their defaults
 * and their validation. The defaults are the thesis's U-Net (section 3): 4 poolings, 64 base
 * channels, two 3x3 conv + ReLU per level, 2x2 transposed-conv upsampling and a 3x3 head.
 */

/**
 * The convolution block of every U-Net level (and of the decoder levels with a backbone encoder):
 * plain 3x3 convs (the thesis), depthwise-separable (MobileNet), MobileNetV2's inverted residual,
 * SqueezeNet's fire module, ShuffleNet's unit, or an Xception-style separable residual block.
 */
export type UnetBlock =
  | 'standard'
  | 'separable'
  | 'inverted-residual'
  | 'fire'
  | 'shuffle'
  | 'xception';

/** Every accepted {@link UnetBlock}, in documentation order. */
export const UNET_BLOCKS: readonly UnetBlock[] = Object.freeze([
  'standard',
  'separable',
  'inverted-residual',
  'fire',
  'shuffle',
  'xception',
]);

/**
 * What computes the skip features and the bottleneck: the U-Net's own encoder (the thesis), a
 * ResNet-style encoder, or a MobileNetV2-style encoder.
 */
export type UnetEncoder = 'unet' | 'resnet' | 'mobilenetv2';

/** Residual block of the ResNet encoder: two 3x3 convs (ResNet-18/34) or 1x1-3x3-1x1 (ResNet-50). */
export type ResnetBlock = 'basic' | 'bottleneck';

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
   * MobileNet). 'inverted-residual': two MobileNetV2 blocks (1x1 expand by `expansion`, ReLU6,
   * depthwise 3x3, ReLU6, linear 1x1 project, residual add when the shapes match). 'fire': two
   * SqueezeNet fire modules (1x1 squeeze, parallel 1x1 and 3x3 expand, concat). 'shuffle': two
   * ShuffleNet units (1x1 group conv, channel shuffle, depthwise 3x3, 1x1 group conv, residual).
   * 'xception': one Xception-style block (two separable 3x3 convs plus a residual shortcut). With
   * a backbone `encoder` the block applies to the decoder levels only. The upsampling and head
   * convolutions stay standard either way. See the README for every block's exact cost.
   */
  block?: UnetBlock;
  /**
   * The encoder. 'unet' (default): `depth` levels of `block`, each followed by a 2x2 max-pool,
   * as in the thesis. 'resnet': a 3x3 stem at full resolution, then `depth` stages of residual
   * blocks (`resnetBlock`, `encoderBlocks` per stage), each starting with a stride-2 block.
   * 'mobilenetv2': a 3x3 stem at full resolution, then MobileNetV2's inverted-residual stages
   * (Keras layer names and width schedule scaled by baseFilters/32; depth at most 4). Backbone
   * encoders always use batch normalisation (as in their papers) and name their layers as Keras
   * does, so converted ImageNet weights load by name (see {@link loadEncoderWeights}).
   */
  encoder?: UnetEncoder;
  /** Residual block of the 'resnet' encoder. Default 'basic'. Ignored by other encoders. */
  resnetBlock?: ResnetBlock;
  /**
   * Residual blocks per stage of the 'resnet' encoder: one integer in [1, 64] for every stage, or
   * a list of `depth` such integers. Default 2 (ResNet-18's layout); ResNet-50 is [3, 4, 6, 3]
   * with 'bottleneck' blocks and depth 4 (see `resnet50Encoder`). Only for encoder 'resnet'.
   */
  encoderBlocks?: number | readonly number[];
  /**
   * Output classes. 1 (default): one logit channel for a sigmoid (crack vs background, the
   * thesis). More: `classes` logit channels for a softmax (multi-class segmentation, trained with
   * sparse categorical cross-entropy). Integer in [1, 256]. The output stays logits either way.
   */
  classes?: number;
  /**
   * Expansion factor t of the inverted-residual blocks (block 'inverted-residual' and encoder
   * 'mobilenetv2'): the 1x1 expand conv widens Cin to t*Cin. Integer in [1, 16]. Default 6
   * (MobileNetV2); with 1 the expand conv is left out, as in MobileNetV2's first block.
   */
  expansion?: number;
  /**
   * Groups of the 1x1 group convolutions of block 'shuffle'. Integer in [1, 64] dividing
   * baseFilters. Default 2. A 1x1 conv whose input channels are not a multiple of `groups` (the
   * first unit of a level fed with the RGB image or a concatenation) stays ungrouped, as
   * ShuffleNet's first stage does.
   */
  groups?: number;
  /**
   * Squeeze ratio of block 'fire': the 1x1 squeeze conv has max(1, round(squeezeRatio * F))
   * channels for a module of F output channels. Number in (0, 1]. Default 0.25 (SqueezeNet's
   * own 0.125 would leave one channel in the thesis's 8-channel students).
   */
  squeezeRatio?: number;
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
  /** See {@link UnetConfig.encoder}. */
  encoder: UnetEncoder;
  /** See {@link UnetConfig.resnetBlock}. */
  resnetBlock: ResnetBlock;
  /** See {@link UnetConfig.encoderBlocks}; a number for every stage, or one per stage. */
  encoderBlocks: number | readonly number[];
  /** See {@link UnetConfig.classes}. */
  classes: number;
  /** See {@link UnetConfig.expansion}. */
  expansion: number;
  /** See {@link UnetConfig.groups}. */
  groups: number;
  /** See {@link UnetConfig.squeezeRatio}. */
  squeezeRatio: number;
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

/**
 * The fields the lightweight blocks, backbone encoders and multi-class head added. A model of
 * the earlier kinds (every such field at its default) records and copies none of them, so its
 * model.json and its presets stay exactly as they were.
 */
const ARCHITECTURE_FIELDS = [
  'encoder',
  'resnetBlock',
  'encoderBlocks',
  'classes',
  'expansion',
  'groups',
  'squeezeRatio',
] as const;

/** `config` without the architecture fields that hold their default value (see above). */
export function omitDefaultArchitecture<T extends UnetConfig>(config: T): T {
  const copy = { ...config } as Record<string, unknown>;
  for (const field of ARCHITECTURE_FIELDS) {
    if (JSON.stringify(copy[field]) === JSON.stringify(UNET_DEFAULTS[field])) delete copy[field];
  }
  return copy as T;
}

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
  checkChoice(caller, 'block', resolved.block, UNET_BLOCKS);
  checkChoice(caller, 'encoder', resolved.encoder, ['unet', 'resnet', 'mobilenetv2']);
  checkChoice(caller, 'resnetBlock', resolved.resnetBlock, ['basic', 'bottleneck']);
  checkArchitecture(caller, resolved);
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

/** Fields only some blocks or encoders read: they must keep their defaults elsewhere. */
function checkArchitecture(caller: string, resolved: ResolvedUnetConfig): void {
  checkInteger(caller, 'classes', resolved.classes, 1, 256);
  checkInteger(caller, 'expansion', resolved.expansion, 1, 16);
  checkInteger(caller, 'groups', resolved.groups, 1, 64);
  const ratio = resolved.squeezeRatio;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw new RangeError(
      `${caller}: squeezeRatio must be a number in (0, 1], got ${describe(ratio)}`,
    );
  }
  const { encoderBlocks, encoder, depth } = resolved;
  if (Array.isArray(encoderBlocks)) {
    if (encoderBlocks.length !== depth) {
      throw new RangeError(
        `${caller}: encoderBlocks must list one count per stage (depth = ${depth}), got ${describe(encoderBlocks)}`,
      );
    }
    for (const count of encoderBlocks) checkInteger(caller, 'encoderBlocks', count, 1, 64);
    resolved.encoderBlocks = [...encoderBlocks];
  } else {
    checkInteger(caller, 'encoderBlocks', encoderBlocks as number, 1, 64);
  }
  const isDefault = (field: 'resnetBlock' | 'encoderBlocks') =>
    JSON.stringify(resolved[field]) === JSON.stringify(UNET_DEFAULTS[field]);
  if (encoder !== 'resnet') {
    for (const field of ['resnetBlock', 'encoderBlocks'] as const) {
      if (!isDefault(field)) {
        throw new TypeError(
          `${caller}: ${field} applies to encoder 'resnet' only, got encoder ${describe(encoder)}`,
        );
      }
    }
  }
  if (encoder === 'mobilenetv2' && depth > 4) {
    throw new RangeError(
      `${caller}: encoder 'mobilenetv2' has 5 resolutions (depth at most 4), got depth ${depth}`,
    );
  }
  if (resolved.block === 'shuffle' && resolved.baseFilters % resolved.groups !== 0) {
    throw new RangeError(
      `${caller}: block 'shuffle' needs baseFilters divisible by groups = ${resolved.groups}, got ${resolved.baseFilters}`,
    );
  }
  if (resolved.block === 'fire' && resolved.baseFilters < 2) {
    throw new RangeError(
      `${caller}: block 'fire' needs baseFilters >= 2 (a 1x1 and a 3x3 expand half), got ${resolved.baseFilters}`,
    );
  }
}

function checkInteger(caller: string, field: string, value: unknown, min: number, max: number) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${caller}: ${field} must be an integer in [${min}, ${max}], got ${describe(value)}`,
    );
  }
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
