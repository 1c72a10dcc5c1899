import { mulberry32, type Random } from '../random.js';
import type { Sample } from '../sample.js';
import type { Rotation, SampleTransform } from './transform-sample.js';
import { transformSample } from './transform-sample.js';

/** Options for {@link augmentSample} and {@link randomTransform}. */
export interface AugmentOptions {
  /** Seed: the same seed and sample give the same result. Default 0. */
  seed?: number;
  /** Random crop of this size (must fit in the sample). Default: no crop. */
  crop?: {
    /** Width of the crop in pixels. */
    width: number;
    /** Height of the crop in pixels. */
    height: number;
  };
  /** Mirror left-right with probability 0.5. Default true. */
  flipHorizontal?: boolean;
  /** Mirror top-bottom with probability 0.5. Default true. */
  flipVertical?: boolean;
  /**
   * Random clockwise rotation: `'any'` picks 0/90/180/270 (90 and 270 swap width and height);
   * `'keep-shape'` picks 0/180 unless the output is square (what batching needs); `'none'`.
   * Default `'any'`.
   */
  rotate?: 'any' | 'keep-shape' | 'none';
  /** Image only: brightness shift up to +-this fraction of 255, uniform. Default 0.1. */
  brightness?: number;
  /** Image only: contrast factor uniform in [1 - this, 1 + this]. Default 0.1. */
  contrast?: number;
}

/**
 * Draws one random transform for a `width` x `height` sample from `random` (see
 * {@link AugmentOptions} for the distribution).
 */
export function randomTransform(
  width: number,
  height: number,
  random: Random,
  options: AugmentOptions = {},
): SampleTransform {
  const {
    crop,
    flipHorizontal = true,
    flipVertical = true,
    rotate = 'any',
    brightness = 0.1,
    contrast = 0.1,
  } = options;
  if (
    crop &&
    (!Number.isInteger(crop.width) ||
      !Number.isInteger(crop.height) ||
      crop.width < 1 ||
      crop.height < 1 ||
      crop.width > width ||
      crop.height > height)
  )
    throw new RangeError(
      `augmentSample: options.crop must be integers from 1 up to the sample size ${width}x${height}, got ${crop.width}x${crop.height}`,
    );
  if (!['any', 'keep-shape', 'none'].includes(rotate))
    throw new RangeError(
      `augmentSample: options.rotate must be 'any', 'keep-shape' or 'none', got ${rotate}`,
    );
  if (!(brightness >= 0 && brightness <= 1))
    throw new RangeError(
      `augmentSample: options.brightness must be from 0 to 1, got ${brightness}`,
    );
  if (!(contrast >= 0 && contrast <= 1))
    throw new RangeError(`augmentSample: options.contrast must be from 0 to 1, got ${contrast}`);
  const cw = crop?.width ?? width;
  const ch = crop?.height ?? height;
  const transform: SampleTransform = {
    crop: {
      x: Math.floor(random() * (width - cw + 1)),
      y: Math.floor(random() * (height - ch + 1)),
      width: cw,
      height: ch,
    },
    flipHorizontal: flipHorizontal && random() < 0.5,
    flipVertical: flipVertical && random() < 0.5,
    brightness: (random() * 2 - 1) * brightness * 255,
    contrast: 1 + (random() * 2 - 1) * contrast,
  };
  const choices: Rotation[] =
    rotate === 'none' ? [0] : rotate === 'any' || cw === ch ? [0, 90, 180, 270] : [0, 180];
  transform.rotate = choices[Math.floor(random() * choices.length)] ?? 0;
  return transform;
}

/**
 * A randomly augmented copy of a sample, seeded: flips, 90-degree rotations and a random crop
 * move image, mask and side channel (teacher logits) together; brightness/contrast jitter
 * touches the image only.
 */
export function augmentSample(sample: Sample, options: AugmentOptions = {}): Sample {
  const { seed = 0 } = options;
  if (!Number.isFinite(seed))
    throw new RangeError(`augmentSample: options.seed must be a finite number, got ${seed}`);
  return transformSample(
    sample,
    randomTransform(sample.width, sample.height, mulberry32(seed), options),
  );
}
