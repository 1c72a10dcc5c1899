/**
 * Seeded He initialisation. The thesis draws every kernel from N(0, sqrt(2/N)), N the fan-in
 * (He et al. 2015). tfjs's own `heNormal` is not that: it draws from a normal truncated at two
 * standard deviations without rescaling, so its actual standard deviation is about 0.88 of
 * sqrt(2/N); and one seed shared by all layers would give equally shaped kernels equal values.
 * Here every kernel is a plain (untruncated) `randomNormal` initializer whose standard deviation
 * is computed from the layer's fan-in and whose seed is derived from the model seed and the
 * kernel's name, so seeds never collide and adding a layer does not reseed the others. Biases
 * start at zero. The initializers are tfjs built-ins, so saved models load without extra
 * registration.
 */
import { initializers } from '@tensorflow/tfjs-layers';

/** A tfjs-layers weight initializer. */
export type WeightInitializer = ReturnType<typeof initializers.randomNormal>;

/** Options of {@link heNormal}. */
export interface HeNormalOptions {
  /**
   * Number of inputs that contribute to one output value. Conv2D: kh*kw*inChannels.
   * Conv2DTranspose: kh*kw*inChannels / (strideH*strideW) (= inChannels for the 2x2 stride-2 up).
   * SeparableConv2D: kh*kw for the depthwise kernel, inChannels for the pointwise kernel.
   */
  fanIn: number;
  /**
   * Variance gain: 2 for a layer whose input went through a ReLU (He), 1 for a layer whose input
   * is linear (the pointwise half of a separable conv, which follows the depthwise half directly).
   * Default 2.
   */
  gain?: number;
  /** Seed of the draw (see {@link layerSeed}). Default undefined: unseeded. */
  seed?: number;
}

/** Standard deviation sqrt(gain / fanIn) of {@link heNormal}. */
export function heStandardDeviation(fanIn: number, gain = 2): number {
  if (!Number.isInteger(fanIn) || fanIn < 1) {
    throw new RangeError(`heStandardDeviation: fanIn must be an integer >= 1, got ${fanIn}`);
  }
  if (!(gain > 0)) throw new RangeError(`heStandardDeviation: gain must be > 0, got ${gain}`);
  return Math.sqrt(gain / fanIn);
}

/** An initializer drawing from N(0, sqrt(gain / fanIn)), untruncated, optionally seeded. */
export function heNormal(options: HeNormalOptions): WeightInitializer {
  const { fanIn, gain = 2, seed } = options;
  const stddev = heStandardDeviation(fanIn, gain);
  return initializers.randomNormal(
    seed === undefined ? { mean: 0, stddev } : { mean: 0, stddev, seed },
  );
}

/**
 * The seed of one weight of one layer, derived from the model seed: FNV-1a (32 bit) of
 * `"{seed}|{layerName}/{weightName}"`, then the MurmurHash3 finaliser. Returns an integer in
 * [0, 2^32). Example: `layerSeed(7, 'enc1_conv1', 'kernel')`.
 */
export function layerSeed(seed: number, layerName: string, weightName: string): number {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`layerSeed: seed must be a safe integer, got ${seed}`);
  }
  const text = `${seed}|${layerName}/${weightName}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A random model seed in [0, 2^32), for configs that give none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
