/**
 * Samples of one convolution, as channel selection and reconstruction consume them.
 *
 * `X` holds the convolution's input patches and `Y` its pre-activation outputs at the same
 * positions, so that (ignoring bias) `Y[n] = X[n] · W` with `W` the kernel flattened to
 * `(kernelArea * channelsIn) x channelsOut`.
 */
export interface FeatureSamples {
  /** Input patches, `samples x kernelArea x channelsIn`, row-major (`[n][ky * kw + kx][c]`). */
  X: Float32Array;
  /** Pre-activation outputs (bias included), `samples x channelsOut`, row-major. */
  Y: Float32Array;
  /** Number of sampled positions N. */
  samples: number;
  /** Kernel positions per patch, `kh * kw`. */
  kernelArea: number;
  /** Input channels C of the convolution (the channels of the map being pruned). */
  channelsIn: number;
  /** Output channels of the convolution. */
  channelsOut: number;
}

/** How channels are ranked: LASSO on reconstruction (He et al. 2017), producer filter L1 norm, or seeded random. */
export type ChannelCriterion = 'lasso' | 'l1' | 'random';

/**
 * A feature map that can be pruned: made by the Conv2D `producer` (optionally through
 * channel-wise layers such as BatchNormalization or activations) and read by exactly one Conv2D,
 * `consumer`, and nothing else. Removing channel i removes producer filter i (its bias and
 * batch-norm entries) and the consumer's input slice i.
 */
export interface PrunableSite {
  /** Name of the Conv2D layer whose filters make the map; sites are named after it. */
  producer: string;
  /** Name of the Conv2D layer that reads the map. */
  consumer: string;
  /** Channel-wise layers between producer and consumer, in order (BatchNormalization, activations, dropout...). */
  passThrough: string[];
  /** Channels of the map (the producer's `filters`). */
  channels: number;
}

/** A Conv2D output map that cannot be pruned, and why. */
export interface SkippedMap {
  /** Name of the Conv2D layer that makes the map. */
  producer: string;
  /** Channels of the map. */
  channels: number;
  /** Why it is left whole, e.g. `feeds MaxPooling2D 'enc1_pool'` or `is a model output`. */
  reason: string;
}

/** Result of {@link findPrunableSites}. */
export interface SiteAnalysis {
  /** Prunable maps, in graph order (a producer always comes before anything it feeds). */
  sites: PrunableSite[];
  /** Conv2D output maps that are left whole, with the reason. */
  skipped: SkippedMap[];
}
