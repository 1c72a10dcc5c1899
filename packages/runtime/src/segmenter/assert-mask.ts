/**
 * Checks a mask argument of the public helpers (`maskToImage`, `measureCracks`): positive
 * integer width and height, and exactly width * height values. `fn` names the caller in the
 * message, e.g. "measureCracks: mask must have width*height = 12 values, got 10".
 */
export function assertMask(
  fn: string,
  mask: ArrayLike<number> | null | undefined,
  width: number,
  height: number,
): void {
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
}
