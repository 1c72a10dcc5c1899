/** Options of the vendored jpeg-js decoder (see jpeg-decoder.js). */
export interface JpegDecodeOptions {
  /** Return a Uint8Array (true) or a Node Buffer. */
  useTArray?: boolean;
  /** 4 channels (RGBA) instead of 3 (gray and CMYK become RGB either way). */
  formatAsRGBA?: boolean;
  /** Skip blocks outside the image instead of failing. Default true. */
  tolerantDecoding?: boolean;
  /** Largest image decoded, in megapixels. Default 100. */
  maxResolutionInMP?: number;
  /** Largest memory the decoder books, in MB. Default 512. */
  maxMemoryUsageInMB?: number;
  /** Force (or forbid) the YCbCr/YCCK colour transform. Default: from the file. */
  colorTransform?: boolean;
}

/** jpeg-js 0.4.4's `decode`, with the lower-memory layout described in jpeg-decoder.js. */
export default function decode(
  jpegData: Uint8Array | ArrayBuffer,
  options?: JpegDecodeOptions,
): { width: number; height: number; data: Uint8Array; exifBuffer?: Uint8Array };
