// A seeded PRNG written out here rather than taken from npm: mulberry32 is ten lines, passes
// the statistical tests that matter for texture and augmentation, and keeping it in the package
// guarantees that a seed gives the same bytes in every version and on every platform.

/** A function returning uniformly distributed numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** mulberry32: a fast 32-bit seeded PRNG. The same seed always yields the same sequence. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes a seed with further integers (sample index, epoch, ...) into one 32-bit seed, so that
 * every (seed, index) pair gets an independent stream without generating the ones before it.
 */
export function mixSeed(seed: number, ...values: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}
