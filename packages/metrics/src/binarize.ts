import type { Mask, ProbabilityMap } from './types';
import { assertProbabilityMap } from './validate';

/** Options for {@link binarize}. */
export interface BinarizeOptions {
  /** A pixel is crack when its probability is >= threshold. In [0, 1]; default 0.5. */
  threshold?: number;
}

/**
 * A 0/1 mask from a probability map: 1 where `probability >= threshold` (8-bit data read as
 * `v / 255`, so 0.5 keeps values >= 128).
 *
 * @example
 * ```ts
 * const mask = binarize({ data: probabilities, width, height }, { threshold: 0.5 });
 * ```
 */
export function binarize(probability: ProbabilityMap, options: BinarizeOptions = {}): Mask {
  const fn = 'binarize';
  const { threshold = 0.5 } = options;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`${fn}: threshold must be in [0, 1], got ${threshold}`);
  }
  assertProbabilityMap(fn, 'probability', probability);
  const { data, width, height } = probability;
  const out = new Uint8Array(data.length);
  const scale = data instanceof Uint8Array || data instanceof Uint8ClampedArray ? 255 : 1;
  for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) / scale >= threshold ? 1 : 0;
  return { data: out, width, height };
}
