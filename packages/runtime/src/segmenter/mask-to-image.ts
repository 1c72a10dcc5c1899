/** An 8-bit single-channel image, as {@link maskToImage} returns it. */
export interface GrayImage {
  /** Values 0 or 255, row-major, length `width * height`. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1;
}

/**
 * A mask as an 8-bit gray image: crack (any non-zero value) 255, background 0, ready for
 * `encodePng` / `writePngFile` of `@crack/data` (the project's mask files are 0/255 PNGs).
 */
export function maskToImage(mask: ArrayLike<number>, width: number, height: number): GrayImage {
  const fn = 'maskToImage';
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${fn}: ${field} must be a positive integer, got ${value}`);
    }
  }
  if (mask == null || mask.length !== width * height) {
    throw new RangeError(
      `${fn}: mask must have width*height = ${width * height} values, got ${mask == null ? String(mask) : mask.length}`,
    );
  }
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = mask[i] ? 255 : 0;
  return { data, width, height, channels: 1 };
}
