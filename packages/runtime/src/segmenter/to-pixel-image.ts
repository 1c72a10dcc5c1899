import { browser, Tensor } from '@tensorflow/tfjs-core';
import type { PixelImage, SegmentInput } from './types';

/** The channel counts a {@link PixelImage} may have. */
const ACCEPTED_CHANNELS = [1, 3, 4];

/**
 * Checks a {@link PixelImage} and returns it unchanged; errors name the caller and the field:
 * "segment: image is 0x0 ...", "segment: image.channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got 2".
 */
export function assertPixelImage(
  image: PixelImage,
  caller = 'segment',
  name = 'image',
): PixelImage {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(
      `${caller}: ${name} must be an object { data, width, height, channels }, got ${String(image)}`,
    );
  }
  const { data, width, height, channels } = image;
  if (width === 0 || height === 0) {
    throw new RangeError(
      `${caller}: ${name} is ${width}x${height}; width and height must be positive`,
    );
  }
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${caller}: ${name}.${field} must be a positive integer, got ${value}`);
    }
  }
  if (!ACCEPTED_CHANNELS.includes(channels)) {
    throw new RangeError(
      `${caller}: ${name}.channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got ${channels}`,
    );
  }
  if (
    !(
      data instanceof Uint8Array ||
      data instanceof Uint8ClampedArray ||
      data instanceof Float32Array
    )
  ) {
    throw new TypeError(
      `${caller}: ${name}.data must be a Uint8Array, Uint8ClampedArray or Float32Array, got ${describe(data)}`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `${caller}: ${name}.data has ${data.length} values, expected width*height*channels = ${width}*${height}*${channels} = ${width * height * channels}`,
    );
  }
  if (data instanceof Float32Array) assertFinitePixels(data, width, channels, caller, name);
  return image;
}

/**
 * Refuses NaN and +-Infinity pixels, naming the first one: they would flow through the model
 * into NaN probabilities and an all-background mask without a word (issue 17).
 */
function assertFinitePixels(
  data: Float32Array,
  width: number,
  channels: number,
  caller: string,
  name: string,
): void {
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as number;
    if (value - value !== 0) {
      const pixel = Math.floor(i / channels);
      throw new RangeError(
        `${caller}: ${name}.data[${i}] is ${value} (pixel x=${pixel % width}, y=${Math.floor(pixel / width)}, channel ${i % channels}); pixels must be finite values in 0-255`,
      );
    }
  }
}

/**
 * Turns any {@link SegmentInput} into pixels in memory (without copying when it already is):
 * a `{ data, width, height, channels }` object is checked and used as is; an `ImageData` is
 * RGBA; a `tf.Tensor3D` [height, width, channels] of 0-255 values is downloaded (and not
 * disposed: it stays the caller's); browser images, bitmaps, canvases and video frames are
 * drawn on a canvas and read back (or read with `tf.browser.fromPixels` where no canvas exists).
 */
export async function toPixelImage(input: SegmentInput, caller = 'segment'): Promise<PixelImage> {
  if (input instanceof Tensor) return tensorPixels(input, caller);
  if (input === null || typeof input !== 'object') {
    throw new TypeError(`${caller}: ${expected}; got ${describe(input)}`);
  }
  const candidate = input as Partial<PixelImage> & { data?: unknown };
  if ('channels' in candidate && 'data' in candidate) {
    return assertPixelImage(candidate as PixelImage, caller);
  }
  if (isImageData(input)) {
    return assertPixelImage(
      { data: input.data, width: input.width, height: input.height, channels: 4 },
      caller,
    );
  }
  const size = drawableSize(input);
  if (size) return drawablePixels(input as CanvasImageSource, size, caller);
  throw new TypeError(`${caller}: ${expected}; got ${describe(input)}`);
}

const expected =
  'input must be { data, width, height, channels }, a tf.Tensor3D [height, width, channels], ' +
  'or (in a browser) an HTMLImageElement, ImageBitmap, ImageData, HTMLCanvasElement, ' +
  'OffscreenCanvas or HTMLVideoElement';

async function tensorPixels(tensor: Tensor, caller: string): Promise<PixelImage> {
  if (tensor.rank !== 3) {
    throw new RangeError(
      `${caller}: a tensor input must be rank 3 [height, width, channels], got rank ${tensor.rank}`,
    );
  }
  const [height, width, channels] = tensor.shape as [number, number, number];
  if (tensor.isDisposed) throw new Error(`${caller}: the input tensor is disposed`);
  const values = await tensor.data();
  const data = values instanceof Float32Array ? values : Float32Array.from(values as Int32Array);
  return assertPixelImage({ data, width, height, channels }, caller, 'tensor');
}

interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

function isImageData(input: object): input is ImageDataLike {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return true;
  const { data, width, height } = input as Partial<ImageDataLike>;
  return (
    data instanceof Uint8ClampedArray &&
    typeof width === 'number' &&
    typeof height === 'number' &&
    data.length === width * height * 4
  );
}

/** Width and height of something a canvas can draw, or null if it is not such a thing. */
function drawableSize(input: object): { width: number; height: number } | null {
  const source = input as {
    naturalWidth?: number;
    naturalHeight?: number;
    videoWidth?: number;
    videoHeight?: number;
    width?: number;
    height?: number;
  };
  const drawable =
    (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) ||
    (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) ||
    (typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement) ||
    (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) ||
    (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas);
  if (!drawable) return null;
  const width = source.naturalWidth || source.videoWidth || source.width || 0;
  const height = source.naturalHeight || source.videoHeight || source.height || 0;
  return { width, height };
}

async function drawablePixels(
  source: CanvasImageSource,
  size: { width: number; height: number },
  caller: string,
): Promise<PixelImage> {
  const { width, height } = size;
  if (!(width > 0 && height > 0)) {
    throw new RangeError(
      `${caller}: the image is ${width}x${height} (not loaded yet?); width and height must be positive`,
    );
  }
  const context = canvasContext(width, height);
  if (context) {
    context.drawImage(source, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height);
    return { data: pixels.data, width, height, channels: 4 };
  }
  // No canvas (e.g. a worker without OffscreenCanvas): let tfjs read the pixels.
  const tensor = browser.fromPixels(source as HTMLImageElement, 3);
  try {
    return await tensorPixels(tensor, caller);
  } finally {
    tensor.dispose();
  }
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function canvasContext(width: number, height: number): Context2D | null {
  if (typeof OffscreenCanvas !== 'undefined') {
    return new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  }
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas.getContext('2d', { willReadFrequently: true });
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value).slice(0, 40)}`;
  return (value as object).constructor?.name ?? 'object';
}
