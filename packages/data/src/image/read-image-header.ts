import { ImageDecodeError } from './image-decode-error.js';

/** The container formats the codecs read. */
export type ImageFormat = 'jpeg' | 'png';

/** What {@link readImageHeader} learns without decoding pixels. */
export interface ImageHeader {
  /** The container format, from the file's signature (not its name). */
  format: ImageFormat;
  /** Width in pixels (> 0). */
  width: number;
  /** Height in pixels (> 0). */
  height: number;
  /** Channels stored in the file: 1 gray, 2 gray + alpha, 3 colour, 4 colour + alpha or CMYK. */
  channels: number;
}

/** Options for {@link readImageHeader}. */
export interface ReadImageHeaderOptions {
  /** A file name or label used in error messages. Default: none ("(bytes)"). */
  name?: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
// Start-of-frame markers carry the dimensions: every SOFn except DHT (C4), JPG (C8), DAC (CC).
const JPEG_SOF = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

/** Which format the signature says, or undefined. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  return undefined;
}

/**
 * Reads format and dimensions from the first bytes of a JPEG or PNG, without decoding pixels:
 * cheap enough to validate a folder of thousands of photos.
 *
 * @throws {@link ImageDecodeError} for empty input, an unknown signature, a header cut short
 *   or a 0x0 image.
 */
export function readImageHeader(
  bytes: Uint8Array,
  options: ReadImageHeaderOptions = {},
): ImageHeader {
  return readHeader('readImageHeader', bytes, options.name);
}

/** {@link readImageHeader} with the calling function's name for the messages. */
export function readHeader(fn: string, bytes: Uint8Array, name: string | undefined): ImageHeader {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${fn}: bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (bytes.length === 0) throw new ImageDecodeError(fn, name, 'empty', 'empty file (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === 'png') return pngHeader(fn, bytes, name);
  if (format === 'jpeg') return jpegHeader(fn, bytes, name).header;
  throw new ImageDecodeError(
    fn,
    name,
    'unknown-format',
    `not a JPEG or PNG file (starts with ${JSON.stringify(preview(bytes))})`,
  );
}

function pngHeader(fn: string, bytes: Uint8Array, name: string | undefined): ImageHeader {
  // Signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4) + depth + colour type.
  if (bytes.length < 26)
    throw new ImageDecodeError(fn, name, 'truncated', `truncated PNG (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    throw new ImageDecodeError(fn, name, 'corrupt', 'corrupt PNG (first chunk is not IHDR)');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = PNG_CHANNELS[bytes[25] ?? -1];
  if (channels === undefined)
    throw new ImageDecodeError(fn, name, 'corrupt', `corrupt PNG (colour type ${bytes[25]})`);
  assertNotEmpty(fn, name, width, height);
  return { format: 'png', width, height, channels };
}

/**
 * Walks the JPEG marker segments up to the first scan. Returns the header and where the scan
 * data starts, so the decoder can check that an end-of-image marker follows it.
 */
export function jpegHeader(
  fn: string,
  bytes: Uint8Array,
  name: string | undefined,
): { header: ImageHeader; scanStart: number } {
  let header: ImageHeader | undefined;
  let pos = 2;
  const truncated = (where: string) =>
    new ImageDecodeError(fn, name, 'truncated', `truncated JPEG (file ends ${where})`);
  while (true) {
    if (pos >= bytes.length)
      throw truncated(header ? 'before the scan data' : 'before the frame header');
    if (bytes[pos] !== 0xff)
      throw new ImageDecodeError(fn, name, 'corrupt', `corrupt JPEG (no marker at byte ${pos})`);
    while (bytes[pos] === 0xff) pos += 1; // fill bytes
    const marker = bytes[pos];
    pos += 1;
    if (marker === undefined) throw truncated('inside a marker');
    if (marker === 0xd9) throw truncated('(end-of-image marker before any scan)');
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (pos + 2 > bytes.length) throw truncated('inside a segment header');
    const length = ((bytes[pos] ?? 0) << 8) | (bytes[pos + 1] ?? 0);
    if (length < 2)
      throw new ImageDecodeError(fn, name, 'corrupt', `corrupt JPEG (segment length ${length})`);
    if (JPEG_SOF.has(marker)) {
      if (pos + 8 > bytes.length) throw truncated('inside the frame header');
      const height = ((bytes[pos + 3] ?? 0) << 8) | (bytes[pos + 4] ?? 0);
      const width = ((bytes[pos + 5] ?? 0) << 8) | (bytes[pos + 6] ?? 0);
      assertNotEmpty(fn, name, width, height);
      header = { format: 'jpeg', width, height, channels: bytes[pos + 7] ?? 0 };
    }
    if (marker === 0xda) {
      if (!header)
        throw new ImageDecodeError(fn, name, 'corrupt', 'corrupt JPEG (scan before frame header)');
      return { header, scanStart: pos + length };
    }
    pos += length;
  }
}

function assertNotEmpty(fn: string, name: string | undefined, width: number, height: number) {
  if (width === 0 || height === 0)
    throw new ImageDecodeError(
      fn,
      name,
      'zero-size',
      `image is ${width}x${height}; width and height must be > 0`,
    );
}

function preview(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 12), (b) =>
    b >= 32 && b < 127 ? String.fromCharCode(b) : '.',
  ).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
