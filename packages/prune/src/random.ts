import { mulberry32 } from '@crack/data';

/**
 * A seeded pseudo-random number generator (mulberry32): the same seed always gives the same
 * sequence, on every platform, so sampling positions and random baselines are reproducible.
 *
 * @param seed - Any number; its lower 32 bits are used.
 * @returns A function returning uniform numbers in [0, 1).
 */
export function createRandom(seed: number): () => number {
  return mulberry32((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);
}

/** A uniformly random permutation of 0..count-1 (Fisher-Yates) drawn from `random`. */
export function randomPermutation(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}
