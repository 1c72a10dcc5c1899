import { assertMask } from './assert-mask';

/** An 8-bit single-channel image, as {@link maskToImage} returns it. */
export interface GrayImage {
  /** Values 0 or 255, row-major, length `width * height`. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Always 1 (gray). */
  channels: 1;
}

/**
 * A mask as an 8-bit gray image: crack (any non-zero value) 255, background 0, ready for
 * `encodePng` / `writePngFile` of `@crack/data` (the project's mask files are 0/255 PNGs).
 */
export function maskToImage(mask: ArrayLike<number>, width: number, height: number): GrayImage {
  assertMask('maskToImage', mask, width, height);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = mask[i] ? 255 : 0;
  return { data, width, height, channels: 1 };
}
