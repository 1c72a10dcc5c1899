import type { Random } from '../random.js';

/** A standard normal sample (Box-Muller) from a uniform PRNG. */
export function gaussian(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
