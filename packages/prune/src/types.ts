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

/** A layer whose filters (or units) make the channels of a {@link ChannelGroup}. */
export interface GroupProducer {
  /** Layer name. */
  layer: string;
  /** Layer class: the output axis that loses entries depends on it. */
  kind: 'Conv2D' | 'Dense' | 'Conv2DTranspose' | 'SeparableConv2D';
}

/** Where a group's channels sit inside the channel axis a layer sees (after concatenations). */
export interface ChannelPlacement {
  /** Layer name. */
  layer: string;
  /** Index of the group's first channel in the layer's input channels. */
  offset: number;
  /** All input channels of the layer (the group's and others', e.g. after Concatenate). */
  width: number;
  /** How often the channel axis repeats in the input features (H*W after Flatten, else 1). */
  repeat: number;
}

/** A per-channel layer with weights inside a group (its per-channel entries are sliced with it). */
export interface GroupMember extends ChannelPlacement {
  /** Layer class. */
  kind: 'BatchNormalization' | 'PReLU' | 'DepthwiseConv2D';
}

/** A layer with weights that reads a group's channels: it loses input slices and is refitted. */
export interface GroupConsumer extends ChannelPlacement {
  /** Layer class. */
  kind: 'Conv2D' | 'Dense' | 'Conv2DTranspose' | 'SeparableConv2D';
}

/**
 * Feature-map channels that must be removed together: channel i of every producer, the i-th
 * entries of the members, and the matching input slices of every consumer (found by
 * {@link findChannelGroups}). A plain site (conv -> conv) is a group with one producer and one
 * consumer; a residual stage (every map joined by Add) is one group with many of each.
 */
export interface ChannelGroup {
  /** The group's name: its first producer in graph order. */
  name: string;
  /** Channels of the group. */
  channels: number;
  /** Layers whose output filters / units are the group's channels. */
  producers: GroupProducer[];
  /** Per-channel layers with weights (BatchNormalization, PReLU, DepthwiseConv2D). */
  members: GroupMember[];
  /** Per-channel layers without weights the channels pass through (activations, pooling, ...). */
  passThrough: string[];
  /** Layers with weights that read the channels (Conv2D, SeparableConv2D, Conv2DTranspose, Dense). */
  consumers: GroupConsumer[];
}

/** Result of {@link findChannelGroups}. */
export interface ChannelAnalysis {
  /** Prunable groups, ordered by their first producer in graph order. */
  groups: ChannelGroup[];
  /**
   * Maps left whole: every producer (and DepthwiseConv2D) of a group that cannot be pruned, with
   * the reason (e.g. `is a model output`, `feeds Activation 'probs', which applies softmax over
   * the channels`), and layers the analysis does not support.
   */
  skipped: SkippedMap[];
}
