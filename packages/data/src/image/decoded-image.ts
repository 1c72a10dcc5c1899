/**
 * A decoded 8-bit image: pixels row-major, channels interleaved (RGB, RGBA or gray), so
 * `data.length === width * height * channels`.
 */
export interface DecodedImage {
  /** Pixel values 0-255, row-major, channels interleaved. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Values per pixel: 1 (gray), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/** The channel counts the codecs convert to. */
export type ChannelCount = 1 | 3 | 4;
