import type { DecodedImage } from './image/decoded-image.js';

/**
 * One training or test example: an RGB photo and its crack mask, same size.
 *
 * Masks follow the project convention: `Uint8Array`, row-major, 1 = crack, 0 = background,
 * with `width` and `height` beside them.
 */
export interface Sample {
  /** Stable identifier, e.g. the file basename (`"001"`) or `"synthetic-0007"`. */
  id: string;
  /** The photo: 8-bit RGB (`channels === 3`), `width` x `height`. */
  image: DecodedImage;
  /** Crack mask, 0/1, `width * height` values, row-major. */
  mask: Uint8Array;
  /** Width in pixels (same as `image.width`). */
  width: number;
  /** Height in pixels (same as `image.height`). */
  height: number;
  /**
   * Optional per-pixel side channel aligned with the mask, `width * height` values, e.g. the
   * teacher logits used for distillation. Augmentation moves it exactly like the mask.
   */
  side?: Float32Array;
}

/**
 * A dataset that produces samples on demand, so a folder of 10,000 photos never holds 10,000
 * decoded images: {@link node!loadFolderDataset} (from `@crack/data/node`) returns one; {@link toTfDataset} accepts one.
 */
export interface SampleSource {
  /** Sample ids in order; `ids.length === size`. */
  readonly ids: readonly string[];
  /** Number of samples. */
  readonly size: number;
  /** Decodes and returns sample `index` (0-based). */
  get(index: number): Promise<Sample>;
  /** Iterates over all samples in order, one decoded at a time. */
  [Symbol.asyncIterator](): AsyncIterator<Sample>;
}

/**
 * Checks that a sample is well formed (RGB image, mask and side channel of `width * height`)
 * and throws an Error naming `fn`, the sample id and the bad field otherwise.
 */
export function assertSample(fn: string, sample: Sample): void {
  const id = sample?.id ?? '(no id)';
  const { width, height, image, mask, side } = sample ?? ({} as Sample);
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0)
    throw new RangeError(
      `${fn}: sample ${id}: width and height must be positive integers, got ${width}x${height}`,
    );
  if (!image || image.width !== width || image.height !== height || image.channels !== 3)
    throw new RangeError(
      `${fn}: sample ${id}: image must be RGB ${width}x${height}, got ${image ? `${image.width}x${image.height}x${image.channels}` : image}`,
    );
  if (image.data.length !== width * height * 3)
    throw new RangeError(
      `${fn}: sample ${id}: image.data.length must be ${width * height * 3}, got ${image.data.length}`,
    );
  if (!(mask instanceof Uint8Array) || mask.length !== width * height)
    throw new RangeError(
      `${fn}: sample ${id}: mask must be a Uint8Array of ${width * height}, got ${mask?.length}`,
    );
  if (side !== undefined && (!(side instanceof Float32Array) || side.length !== width * height))
    throw new RangeError(
      `${fn}: sample ${id}: side must be a Float32Array of ${width * height}, got ${side?.length}`,
    );
}

/**
 * Turns mask pixels into 0/1: values > 127 are crack. A mask whose values are all 0 or 1 is
 * taken as already binary (both 0/255 and 0/1 files are accepted, per the project convention).
 * Colour masks are read from their first channel.
 */
export function binarizeMask(data: Uint8Array, channels = 1): Uint8Array {
  const count = data.length / channels;
  let max = 0;
  for (let i = 0; i < count; i++) max = Math.max(max, data[i * channels] ?? 0);
  const threshold = max <= 1 ? 0 : 127;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (data[i * channels] ?? 0) > threshold ? 1 : 0;
  return out;
}
