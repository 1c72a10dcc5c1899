/**
 * How to feed a stride-1 correlation so that it produces exactly `outputLength` results along
 * one spatial axis: which rows of the operand to keep (`begin`, `size`) and how many zeros to add
 * before and after them. Backprop formulas give a leading/trailing padding that may be negative
 * (an explicit pad larger than the kernel, or trailing rows a 'valid' window never reaches); a
 * negative pad means cropping the operand instead, which the wasm kernels cannot express.
 */
export interface SpatialWindow {
  /** First operand row to keep. */
  begin: number;
  /** Number of operand rows to keep. */
  size: number;
  /** Zeros before the kept rows (>= 0). */
  padBefore: number;
  /** Zeros after the kept rows (>= 0). */
  padAfter: number;
}

/**
 * Splits a signed leading/trailing padding of an operand of `length` rows into a crop plus a
 * non-negative padding (see {@link SpatialWindow}).
 */
export function spatialWindow(length: number, padBefore: number, padAfter: number): SpatialWindow {
  const begin = Math.max(0, -padBefore);
  const end = length - Math.max(0, -padAfter);
  if (end <= begin) {
    throw new Error(
      `spatialWindow: padding ${padBefore}/${padAfter} leaves nothing of an axis of ${length}`,
    );
  }
  return {
    begin,
    size: end - begin,
    padBefore: Math.max(0, padBefore),
    padAfter: Math.max(0, padAfter),
  };
}
