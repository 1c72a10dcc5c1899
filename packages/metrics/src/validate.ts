import type { Mask, PixelData, ProbabilityMap } from './types';

function isPixelData(data: unknown): data is PixelData {
  return (
    data instanceof Uint8Array ||
    data instanceof Uint8ClampedArray ||
    data instanceof Float32Array ||
    data instanceof Float64Array
  );
}

/**
 * Checks the shape of a mask or probability map: an object with positive integer `width` and
 * `height` and a typed array `data` of length `width * height`.
 */
export function assertImage(fn: string, name: string, image: Mask | ProbabilityMap): void {
  if (typeof image !== 'object' || image === null) {
    throw new TypeError(`${fn}: ${name} must be an object { data, width, height }, got ${image}`);
  }
  const { data, width, height } = image;
  for (const [field, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${fn}: ${name}.${field} must be a positive integer, got ${value}`);
    }
  }
  if (!isPixelData(data)) {
    const got =
      data === null || typeof data !== 'object' ? String(data) : (data as object).constructor.name;
    throw new TypeError(
      `${fn}: ${name}.data must be a Uint8Array, Uint8ClampedArray, Float32Array or Float64Array, got ${got}`,
    );
  }
  if (data.length !== width * height) {
    throw new RangeError(
      `${fn}: ${name}.data length ${data.length} does not match width*height ${width * height}`,
    );
  }
}

/** Checks that two images have the same width and height. */
export function assertSameSize(
  fn: string,
  aName: string,
  a: Mask | ProbabilityMap,
  bName: string,
  b: Mask | ProbabilityMap,
): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(
      `${fn}: ${aName} is ${a.width}x${a.height} but ${bName} is ${b.width}x${b.height} (width x height); they must match`,
    );
  }
}

/** Checks a binary mask: valid shape and every value 0, 1 or 255. */
export function assertBinaryMask(fn: string, name: string, mask: Mask): void {
  assertImage(fn, name, mask);
  const data = mask.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v !== 0 && v !== 1 && v !== 255) {
      throw new RangeError(
        `${fn}: ${name}.data[${i}] is ${v}, but a binary mask holds only 0 and 1 (or 0 and 255); binarize probabilities first`,
      );
    }
  }
}

/** Checks a probability map: valid shape and, for float data, every value in [0, 1]. */
export function assertProbabilityMap(fn: string, name: string, map: ProbabilityMap): void {
  assertImage(fn, name, map);
  const data = map.data;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    // Written so that NaN fails too.
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(`${fn}: ${name}.data[${i}] is ${v}; probabilities must lie in [0, 1]`);
    }
  }
}
