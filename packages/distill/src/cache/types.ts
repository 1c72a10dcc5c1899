import type * as tf from '@tensorflow/tfjs-core';

/** One weight of a {@link Teacher}: a tfjs-layers `LayerVariable` fits. */
export interface TeacherWeight {
  /** Shape of the weight. */
  readonly shape: ReadonlyArray<number | null>;
  /** Data type of the weight, e.g. 'float32'. */
  readonly dtype?: string;
  /** The current value; never disposed by this package. */
  read(): tf.Tensor;
}

/**
 * The teacher network: anything with `predict` and an ordered `weights` list, such as a
 * tfjs-layers `LayersModel`. `predict` maps normalised images `[b, h, w, 3]` to logits
 * `[b, h', w', c]` (no sigmoid).
 */
export interface Teacher {
  /** Logits of a batch of normalised images (the first output if there are several). */
  predict(images: tf.Tensor): tf.Tensor | tf.Tensor[];
  /** The weights, in a fixed order: they make the cache's fingerprint. */
  readonly weights: ReadonlyArray<TeacherWeight>;
}

/**
 * One training sample as the cache needs it; `@crack/data`'s `Sample` has these fields.
 * `image.data` is row-major HWC RGB, 0..255.
 */
export interface CacheSample {
  /** Unique key under which the logits are stored and read back. */
  id: string;
  /** The decoded image. */
  image: {
    /** Pixel values 0..255, row-major HWC. */
    data: Uint8Array;
    /** Width in pixels. */
    width: number;
    /** Height in pixels. */
    height: number;
    /** Channels per pixel (3: RGB). */
    channels: number;
  };
}

/** Storage precision of cached logits. */
export type TeacherLogitsDtype = 'float16' | 'float32';
