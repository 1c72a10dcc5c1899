import type { Sample } from '../sample.js';
import { assertSample } from '../sample.js';

/** A rectangle in pixels. */
export interface CropRect {
  /** Left edge, 0-based. */
  x: number;
  /** Top edge, 0-based. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** Clockwise rotation in degrees. */
export type Rotation = 0 | 90 | 180 | 270;

/** One concrete geometric + photometric transform, applied by {@link transformSample}. */
export interface SampleTransform {
  /** Crop first (in the sample's own coordinates). Default: the whole image. */
  crop?: CropRect;
  /** Then mirror left-right. Default false. */
  flipHorizontal?: boolean;
  /** Then mirror top-bottom. Default false. */
  flipVertical?: boolean;
  /** Then rotate clockwise; 90 and 270 swap width and height. Default 0. */
  rotate?: Rotation;
  /** Image only: added to every channel value (pixel units, -255..255). Default 0. */
  brightness?: number;
  /** Image only: contrast factor around mid-grey 127.5 (>= 0). Default 1. */
  contrast?: number;
}

/**
 * Applies one transform to the image, mask and side channel of a sample. Geometry (crop, flips,
 * rotation, in that order) moves all three with the same pixel mapping, so they stay exactly
 * aligned; brightness and contrast change the image only. Returns a new sample; the input is
 * not modified.
 */
export function transformSample(sample: Sample, transform: SampleTransform = {}): Sample {
  assertSample('transformSample', sample);
  const { width, height } = sample;
  const {
    crop = { x: 0, y: 0, width, height },
    flipHorizontal = false,
    flipVertical = false,
    rotate = 0,
    brightness = 0,
    contrast = 1,
  } = transform;
  const { x: cx, y: cy, width: cw, height: ch } = crop;
  if (
    ![cx, cy, cw, ch].every(Number.isInteger) ||
    cx < 0 ||
    cy < 0 ||
    cw < 1 ||
    ch < 1 ||
    cx + cw > width ||
    cy + ch > height
  )
    throw new RangeError(
      `transformSample: transform.crop must be an integer rectangle inside ${width}x${height}, got ${JSON.stringify(crop)}`,
    );
  if (![0, 90, 180, 270].includes(rotate))
    throw new RangeError(
      `transformSample: transform.rotate must be 0, 90, 180 or 270, got ${rotate}`,
    );
  if (!(Math.abs(brightness) <= 255))
    throw new RangeError(
      `transformSample: transform.brightness must be within -255..255, got ${brightness}`,
    );
  if (!(contrast >= 0))
    throw new RangeError(`transformSample: transform.contrast must be >= 0, got ${contrast}`);

  const swap = rotate === 90 || rotate === 270;
  const outWidth = swap ? ch : cw;
  const outHeight = swap ? cw : ch;
  // For each output pixel, the source pixel it comes from: one map, applied to every channel.
  const source = new Int32Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    for (let ox = 0; ox < outWidth; ox++) {
      // Undo the rotation: position in the flipped crop (fx, fy).
      let fx = ox;
      let fy = oy;
      if (rotate === 90) {
        fx = oy;
        fy = ch - 1 - ox;
      } else if (rotate === 180) {
        fx = cw - 1 - ox;
        fy = ch - 1 - oy;
      } else if (rotate === 270) {
        fx = cw - 1 - oy;
        fy = ox;
      }
      const x = (flipHorizontal ? cw - 1 - fx : fx) + cx;
      const y = (flipVertical ? ch - 1 - fy : fy) + cy;
      source[oy * outWidth + ox] = y * width + x;
    }
  }
  const count = source.length;
  const image = new Uint8Array(count * 3);
  const mask = new Uint8Array(count);
  const side = sample.side ? new Float32Array(count) : undefined;
  const photometric = brightness !== 0 || contrast !== 1;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const value = Math.round((v - 127.5) * contrast + 127.5 + brightness);
    lut[v] = Math.min(255, Math.max(0, value));
  }
  const from = sample.image.data;
  for (let i = 0; i < count; i++) {
    const s = source[i] as number;
    for (let c = 0; c < 3; c++) {
      const v = from[s * 3 + c] as number;
      image[i * 3 + c] = photometric ? (lut[v] as number) : v;
    }
    mask[i] = sample.mask[s] as number;
    if (side) side[i] = sample.side?.[s] as number;
  }
  return {
    id: sample.id,
    image: { data: image, width: outWidth, height: outHeight, channels: 3 },
    mask,
    width: outWidth,
    height: outHeight,
    ...(side ? { side } : {}),
  };
}
