/**
 * The largest squared pixel distance within `tolerance`, for the tolerance named by `fn`.
 *
 * Squared distances between pixels are integers, so the comparison is done on integers. The
 * integer is the largest n with `Math.sqrt(n) <= tolerance` (correctly rounded), not
 * `floor(tolerance ** 2)`: `Math.sqrt(3) ** 2` is 2.9999999999999996 in floating point, yet a
 * user passing `Math.sqrt(3)` means distance sqrt(3) to match.
 */
export function maxSquaredDistance(fn: string, tolerance: number): number {
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError(`${fn}: tolerance must be a finite number >= 0, got ${tolerance}`);
  }
  let n = Math.floor(tolerance * tolerance);
  while (Math.sqrt(n + 1) <= tolerance) n++;
  while (n > 0 && Math.sqrt(n) > tolerance) n--;
  return n;
}
