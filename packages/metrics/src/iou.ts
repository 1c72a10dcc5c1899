/**
 * Intersection over union per class and its mean (mIoU), the score of multi-class semantic
 * segmentation, from class-id maps on plain typed arrays. For class c, with TP, FP and FN counted
 * over the pixels: IoU_c = TP / (TP + FP + FN) = |pred = c and truth = c| / |pred = c or truth = c|.
 * Mean IoU averages IoU_c over the classes present in the prediction or the ground truth (a class
 * absent from both has no IoU: NaN in `perClass`, left out of the mean). Dataset scores come from
 * summing {@link confusionMatrix} over images, then {@link iouFromConfusion}.
 */

/** Storage accepted for class-id maps: one integer class id per pixel, row-major. */
export type ClassData = Uint8Array | Uint8ClampedArray | Uint16Array | Int32Array | Float32Array;

/** A class-id map: `data[y * width + x]` is the class of the pixel, an integer in [0, classes). */
export interface ClassMap {
  /** One class id per pixel, row-major, length `width * height`. */
  data: ClassData;
  /** Width in pixels (a positive integer). */
  width: number;
  /** Height in pixels (a positive integer). */
  height: number;
}

/** Options of {@link confusionMatrix}, {@link classIoU} and {@link meanIoU}. */
export interface IoUOptions {
  /** Number of classes C (an integer >= 1); every id must lie in [0, C). */
  classes: number;
}

/** Per-class IoU and its mean. */
export interface IoUScores {
  /** IoU of each class; NaN for a class in neither the prediction nor the ground truth. */
  perClass: number[];
  /** Mean of the non-NaN entries of `perClass`; NaN when there is none (no pixel at all). */
  meanIoU: number;
  /** TP per class: pixels predicted as c whose truth is c. */
  intersection: number[];
  /** TP + FP + FN per class: pixels predicted as c or whose truth is c. */
  union: number[];
}

function isClassData(data: unknown): data is ClassData {
  return (
    data instanceof Uint8Array ||
    data instanceof Uint8ClampedArray ||
    data instanceof Uint16Array ||
    data instanceof Int32Array ||
    data instanceof Float32Array
  );
}

function checkMap(fn: string, name: string, map: ClassMap): void {
  if (typeof map !== 'object' || map === null) {
    throw new TypeError(`${fn}: ${name} must be an object { data, width, height }, got ${map}`);
  }
  for (const field of ['width', 'height'] as const) {
    if (!Number.isInteger(map[field]) || map[field] < 1) {
      throw new RangeError(`${fn}: ${name}.${field} must be a positive integer, got ${map[field]}`);
    }
  }
  if (!isClassData(map.data)) {
    throw new TypeError(
      `${fn}: ${name}.data must be a Uint8Array, Uint8ClampedArray, Uint16Array, Int32Array or Float32Array`,
    );
  }
  if (map.data.length !== map.width * map.height) {
    throw new RangeError(
      `${fn}: ${name}.data length ${map.data.length} does not match width*height ${map.width * map.height}`,
    );
  }
}

function checkClasses(fn: string, options: IoUOptions): number {
  const classes = options?.classes;
  if (!Number.isInteger(classes) || classes < 1 || classes > 65536) {
    throw new RangeError(`${fn}: options.classes must be an integer in [1, 65536], got ${classes}`);
  }
  return classes;
}

/**
 * The C x C confusion matrix of a prediction against its ground truth, row-major:
 * `matrix[truth * C + pred]` counts the pixels of true class `truth` predicted as `pred`.
 * Matrices of several images add up element-wise.
 *
 * @throws Error on a malformed map, maps of different sizes, or an id outside [0, C).
 */
export function confusionMatrix(
  pred: ClassMap,
  truth: ClassMap,
  options: IoUOptions,
): Float64Array {
  const fn = 'confusionMatrix';
  const classes = checkClasses(fn, options);
  checkMap(fn, 'pred', pred);
  checkMap(fn, 'truth', truth);
  if (pred.width !== truth.width || pred.height !== truth.height) {
    throw new RangeError(
      `${fn}: pred is ${pred.width}x${pred.height} but truth is ${truth.width}x${truth.height} (width x height); they must match`,
    );
  }
  const matrix = new Float64Array(classes * classes);
  const p = pred.data;
  const t = truth.data;
  for (let i = 0; i < p.length; i += 1) {
    const a = t[i] as number;
    const b = p[i] as number;
    if (!(Number.isInteger(a) && a >= 0 && a < classes)) {
      throw new RangeError(
        `${fn}: truth.data[${i}] = ${a} is not a class id in [0, ${classes - 1}]`,
      );
    }
    if (!(Number.isInteger(b) && b >= 0 && b < classes)) {
      throw new RangeError(
        `${fn}: pred.data[${i}] = ${b} is not a class id in [0, ${classes - 1}]`,
      );
    }
    matrix[a * classes + b]! += 1;
  }
  return matrix;
}

/** Per-class IoU and mean IoU of a (summed) C x C confusion matrix from {@link confusionMatrix}. */
export function iouFromConfusion(
  matrix: Float64Array | readonly number[],
  classes: number,
): IoUScores {
  const fn = 'iouFromConfusion';
  checkClasses(fn, { classes });
  if (matrix.length !== classes * classes) {
    throw new RangeError(
      `${fn}: matrix has ${matrix.length} entries, expected classes^2 = ${classes * classes}`,
    );
  }
  const intersection: number[] = [];
  const union: number[] = [];
  const perClass: number[] = [];
  for (let c = 0; c < classes; c += 1) {
    let truthTotal = 0;
    let predTotal = 0;
    for (let k = 0; k < classes; k += 1) {
      truthTotal += matrix[c * classes + k] as number;
      predTotal += matrix[k * classes + c] as number;
    }
    const tp = matrix[c * classes + c] as number;
    const u = truthTotal + predTotal - tp;
    intersection.push(tp);
    union.push(u);
    perClass.push(u === 0 ? Number.NaN : tp / u);
  }
  const present = perClass.filter((v) => !Number.isNaN(v));
  const meanIoU =
    present.length === 0 ? Number.NaN : present.reduce((a, b) => a + b, 0) / present.length;
  return { perClass, meanIoU, intersection, union };
}

/** Per-class IoU and mean IoU of one prediction against its ground truth. */
export function classIoU(pred: ClassMap, truth: ClassMap, options: IoUOptions): IoUScores {
  return iouFromConfusion(confusionMatrix(pred, truth, options), options.classes);
}

/**
 * Mean IoU of one prediction against its ground truth: the mean over present classes of
 * TP / (TP + FP + FN). 1 when every pixel is right; 0 when no class is ever predicted right.
 *
 * @example
 * ```ts
 * meanIoU({ data: pred, width, height }, { data: truth, width, height }, { classes: 3 });
 * ```
 */
export function meanIoU(pred: ClassMap, truth: ClassMap, options: IoUOptions): number {
  return classIoU(pred, truth, options).meanIoU;
}
