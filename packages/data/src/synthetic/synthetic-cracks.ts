import { mixSeed, mulberry32 } from '../random.js';
import type { Sample } from '../sample.js';
import { crackStrokes } from './crack-strokes.js';
import { paintPavement } from './pavement.js';
import { rasterizeStrokes } from './rasterize-strokes.js';

/** Options for {@link syntheticCrack}; all optional. */
export interface SyntheticCrackOptions {
  /** Image width in pixels. Default 480 (CFD). */
  width?: number;
  /** Image height in pixels. Default 320 (CFD). */
  height?: number;
  /** Seed: the same seed and index always give the same bytes. Default 0. */
  seed?: number;
  /** Main cracks per image, inclusive [min, max]. Default [1, 3]. */
  cracks?: [number, number];
  /** Widest crack width in pixels, inclusive [min, max], within 1-6; tips taper to 1 px. Default [2, 6]. */
  crackWidth?: [number, number];
  /** Chance per 3-px step that a crack forks a branch, 0-0.2. Default 0.015. */
  branching?: number;
}

/** Options for {@link syntheticCracks}. */
export interface SyntheticCracksOptions extends SyntheticCrackOptions {
  /** Number of samples. Required, integer >= 0. */
  count: number;
  /** Index of the first sample; sample `i` of the result is `syntheticCrack(startIndex + i)`. Default 0. */
  startIndex?: number;
}

/**
 * Procedural crack images with exact masks: the built-in data for tests, demos and smoke
 * training, no download needed. Each image is pavement-like texture (multi-scale value noise,
 * aggregate speckle, illumination gradient, sometimes a shadow and stains) with random-walk
 * cracks that branch, are 1-6 px wide, taper, and are darker than the surface with soft edges.
 * The mask is the exact rasterised stroke (where the crack darkening reaches half strength).
 *
 * Sample `i` depends only on (seed, i), so `count: 10` starts with the same 5 samples as
 * `count: 5`. About 1.6 % of pixels are crack on average, as in CFD. Ids are
 * `synthetic-<seed>-<index>`.
 */
export function syntheticCracks(options: SyntheticCracksOptions): Sample[] {
  const { count, startIndex = 0 } = options ?? ({} as SyntheticCracksOptions);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`syntheticCracks: options.count must be an integer >= 0, got ${count}`);
  if (!Number.isInteger(startIndex) || startIndex < 0)
    throw new RangeError(
      `syntheticCracks: options.startIndex must be an integer >= 0, got ${startIndex}`,
    );
  return Array.from({ length: count }, (_, i) =>
    makeSample('syntheticCracks', options, startIndex + i),
  );
}

/** One sample of {@link syntheticCracks}: sample `index` (integer >= 0) of the seed's sequence. */
export function syntheticCrack(index: number, options: SyntheticCrackOptions = {}): Sample {
  if (!Number.isInteger(index) || index < 0)
    throw new RangeError(`syntheticCrack: index must be an integer >= 0, got ${index}`);
  return makeSample('syntheticCrack', options, index);
}

function makeSample(fn: string, options: SyntheticCrackOptions, index: number): Sample {
  const {
    width = 480,
    height = 320,
    seed = 0,
    cracks = [1, 3],
    crackWidth = [2, 6],
    branching = 0.015,
  } = options;
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const)
    if (!Number.isInteger(value) || value < 8 || value > 8192)
      throw new RangeError(
        `${fn}: options.${field} must be an integer from 8 to 8192, got ${value}`,
      );
  if (!Number.isFinite(seed))
    throw new RangeError(`${fn}: options.seed must be a finite number, got ${seed}`);
  if (
    !isRange(cracks) ||
    !Number.isInteger(cracks[0]) ||
    !Number.isInteger(cracks[1]) ||
    cracks[0] < 0 ||
    cracks[1] > 20
  )
    throw new RangeError(
      `${fn}: options.cracks must be integers [min, max] with 0 <= min <= max <= 20, got ${JSON.stringify(cracks)}`,
    );
  if (!isRange(crackWidth) || crackWidth[0] < 1 || crackWidth[1] > 6)
    throw new RangeError(
      `${fn}: options.crackWidth must be [min, max] with 1 <= min <= max <= 6, got ${JSON.stringify(crackWidth)}`,
    );
  if (!(branching >= 0 && branching <= 0.2))
    throw new RangeError(`${fn}: options.branching must be from 0 to 0.2, got ${branching}`);

  const random = mulberry32(mixSeed(seed, index));
  const { luminance, tint } = paintPavement(width, height, random);
  const strokes = crackStrokes(width, height, random, { cracks, crackWidth, branching });
  const coverage = rasterizeStrokes(strokes, width, height);
  const darkness = 0.3 + random() * 0.3;
  const pixels = width * height;
  const data = new Uint8Array(pixels * 3);
  const mask = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const cover = coverage[p] as number;
    let l = luminance[p] as number;
    if (cover > 0) {
      // Crack floors are not uniformly dark: vary the darkening a little per pixel.
      l *= 1 - darkness * cover ** 1.3 * (0.75 + 0.35 * random());
      if (cover >= 0.5) mask[p] = 1;
    }
    // Sensor noise, the same on all channels (luma noise, as in JPEG photos).
    const noise = (random() - 0.5) * 14;
    data[p * 3] = clampByte(l * tint[0] + noise);
    data[p * 3 + 1] = clampByte(l * tint[1] + noise);
    data[p * 3 + 2] = clampByte(l * tint[2] + noise);
  }
  return {
    id: `synthetic-${seed}-${index}`,
    image: { data, width, height, channels: 3 },
    mask,
    width,
    height,
  };
}

function isRange(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value[0] <= value[1];
}

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : (value + 0.5) | 0;
}
