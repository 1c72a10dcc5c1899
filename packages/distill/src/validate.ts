import * as tf from '@tensorflow/tfjs-core';

// Option checks shared by the losses; messages name the function, the field and what came.

/** Throws unless `value` is a finite number >= 0. */
export function assertNonNegative(caller: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new RangeError(`${caller}: ${field} must be a finite number >= 0, got ${String(value)}`);
  return value;
}

/** Throws unless `value` is a finite number > 0. */
export function assertPositive(caller: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RangeError(`${caller}: ${field} must be a finite number > 0, got ${String(value)}`);
  return value;
}

/** Throws unless both are tensors of equal shape; `names` name them in the message. */
export function assertSameShape(
  caller: string,
  names: [string, string],
  a: tf.Tensor,
  b: tf.Tensor,
): void {
  if (!(a instanceof tf.Tensor)) throw new TypeError(`${caller}: ${names[0]} must be a tf.Tensor`);
  if (!(b instanceof tf.Tensor)) throw new TypeError(`${caller}: ${names[1]} must be a tf.Tensor`);
  if (!tf.util.arraysEqual(a.shape, b.shape))
    throw new Error(
      `${caller}: ${names[0]} shape [${a.shape.join(',')}] and ${names[1]} shape ` +
        `[${b.shape.join(',')}] must be equal`,
    );
}
