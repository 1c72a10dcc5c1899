/** Throws a RangeError naming the function, the field, what it accepts and what it got. */
export function fail(fn: string, field: string, expected: string, got: unknown): never {
  throw new RangeError(`${fn}: ${field} must be ${expected}, got ${describe(got)}`);
}

/** A short, readable rendering of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  return String(value);
}

/** Checks that `value` is an integer in [min, max]. */
export function checkInteger(
  fn: string,
  field: string,
  value: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in [${min}, ${max}]`;
    fail(fn, field, `an integer ${range}`, value);
  }
  return value;
}

/** Checks that `value` is a Float32Array or Float64Array of exactly `length` entries. */
export function checkFloatArray(
  fn: string,
  field: string,
  value: unknown,
  length: number,
  shape: string,
): Float32Array | Float64Array {
  if (!(value instanceof Float32Array || value instanceof Float64Array)) {
    fail(fn, field, `a Float32Array or Float64Array (${shape})`, value);
  }
  if (value.length !== length) {
    fail(fn, `${field}.length`, `${length} (${shape})`, value.length);
  }
  return value;
}
