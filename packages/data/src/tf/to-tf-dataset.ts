import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Dataset } from '@tensorflow/tfjs-data';
import { type AugmentOptions, randomTransform } from '../augment/augment-sample.js';
import { transformSample } from '../augment/transform-sample.js';
import { normalizePixels } from '../normalize-pixels.js';
import { mixSeed, mulberry32 } from '../random.js';
import { assertSample, type Sample, type SampleSource } from '../sample.js';

/**
 * One batch from {@link toTfDataset}, the `{ xs, ys }` shape `model.fitDataset` expects. (A
 * type alias, not an interface, so it satisfies tfjs's `TensorContainer` index signature.)
 */
export type TfBatch = {
  /** Images, `[batch, height, width, 3]` float32, normalised unless `normalize: false`. */
  xs: Tensor4D;
  /** Targets, `[batch, height, width, 1]` masks (0/1) or `[batch, height, width, 2]` packed. */
  ys: Tensor4D;
};

/** Options for {@link toTfDataset}. */
export interface TfDatasetOptions {
  /** Samples per batch (integer >= 1). Default 1, the thesis's batch size. */
  batchSize?: number;
  /**
   * Random crop of this size from every sample (seeded). Needed when samples differ in size.
   * Default: whole samples.
   */
  crop?: {
    /** Width of the crop in pixels. */
    width: number;
    /** Height of the crop in pixels. */
    height: number;
  };
  /**
   * Augment each sample anew every epoch: `true` for the defaults of {@link AugmentOptions},
   * or the options. Rotations that would change the shape are limited to 0/180 degrees unless
   * the output is square, so batches stack. Default false.
   */
  augment?: boolean | Omit<AugmentOptions, 'seed' | 'crop'>;
  /** Scale xs with (x - 127.5) / 127.5 to [-1, 1] (thesis eq 3-4); false keeps 0-255. Default true. */
  normalize?: boolean;
  /**
   * `'mask'`: ys is the mask, `[b, h, w, 1]`. `'packed'`: ys is `[b, h, w, 2]`, channel 0 the
   * label (0/1) and channel 1 the teacher logit from `sample.side`: the packed-target layout
   * of `@crack/distill`'s losses (concat([mask, teacherLogits], -1)). Default `'mask'`.
   */
  targets?: 'mask' | 'packed';
  /** Shuffle the sample order anew every epoch (seeded). Default false. */
  shuffle?: boolean;
  /** Seed of shuffling, cropping and augmentation. Default 0. */
  seed?: number;
  /** Drop a last batch smaller than `batchSize`. Default false. */
  dropRemainder?: boolean;
}

/**
 * A `tf.data.Dataset` of `{ xs, ys }` batches for `model.fitDataset`. Samples are fetched (a
 * {@link SampleSource} decodes on demand), cropped and augmented one batch at a time, so
 * memory stays bounded; every epoch (each new iteration) re-draws order and augmentation from
 * `(seed, epoch)`. Tensors are created only when a batch is pulled and belong to the consumer,
 * which disposes them (fitDataset does).
 *
 * TensorFlow.js is imported here, lazily, so the rest of `@crack/data` works without it;
 * `@tensorflow/tfjs-core` and `@tensorflow/tfjs-data` must be installed to call this.
 */
export async function toTfDataset(
  samples: readonly Sample[] | SampleSource,
  options: TfDatasetOptions = {},
): Promise<Dataset<TfBatch>> {
  const {
    batchSize = 1,
    crop,
    augment = false,
    normalize = true,
    targets = 'mask',
    shuffle = false,
    seed = 0,
    dropRemainder = false,
  } = options;
  const source = toSource(samples);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(
      `toTfDataset: options.batchSize must be an integer >= 1, got ${batchSize}`,
    );
  if (
    crop &&
    (!Number.isInteger(crop.width) ||
      !Number.isInteger(crop.height) ||
      crop.width < 1 ||
      crop.height < 1)
  )
    throw new RangeError(
      `toTfDataset: options.crop must have integer width and height >= 1, got ${JSON.stringify(crop)}`,
    );
  if (targets !== 'mask' && targets !== 'packed')
    throw new RangeError(`toTfDataset: options.targets must be 'mask' or 'packed', got ${targets}`);
  if (!Number.isFinite(seed))
    throw new RangeError(`toTfDataset: options.seed must be a finite number, got ${seed}`);
  if (source.size === 0) throw new RangeError('toTfDataset: samples must not be empty');

  const [tf, tfData] = await Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-data'),
  ]);
  const augmentOptions: AugmentOptions | undefined =
    augment === false
      ? undefined
      : {
          ...(augment === true ? {} : augment),
          rotate: augment === true ? 'keep-shape' : keepShape(augment.rotate),
        };
  let epoch = 0;

  async function* batches(): AsyncGenerator<TfBatch> {
    const current = epoch++;
    const order = Array.from({ length: source.size }, (_, i) => i);
    if (shuffle) {
      const random = mulberry32(mixSeed(seed, current, 0x5eed));
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
    }
    const end = dropRemainder ? order.length - (order.length % batchSize) : order.length;
    for (let start = 0; start < end; start += batchSize) {
      const prepared: Sample[] = [];
      for (const index of order.slice(start, Math.min(start + batchSize, end))) {
        const sample = await source.get(index);
        assertSample('toTfDataset', sample);
        if (targets === 'packed' && !sample.side)
          throw new Error(
            `toTfDataset: targets 'packed' needs sample.side (teacher logits), missing on sample ${sample.id}`,
          );
        prepared.push(prepare(sample, mixSeed(seed, current, index)));
      }
      yield stack(prepared);
    }
  }

  function prepare(sample: Sample, sampleSeed: number): Sample {
    if (!crop && !augmentOptions) return sample;
    if (crop && (crop.width > sample.width || crop.height > sample.height))
      throw new RangeError(
        `toTfDataset: options.crop ${crop.width}x${crop.height} is larger than sample ${sample.id} (${sample.width}x${sample.height})`,
      );
    const random = mulberry32(sampleSeed);
    const transform = randomTransform(sample.width, sample.height, random, {
      ...(augmentOptions ?? {
        flipHorizontal: false,
        flipVertical: false,
        rotate: 'none',
        brightness: 0,
        contrast: 0,
      }),
      ...(crop ? { crop } : {}),
    });
    return transformSample(sample, transform);
  }

  function stack(batch: Sample[]): TfBatch {
    const first = batch[0] as Sample;
    const { width, height } = first;
    for (const sample of batch)
      if (sample.width !== width || sample.height !== height)
        throw new RangeError(
          `toTfDataset: samples in one batch must have the same size, got ${first.id} ${width}x${height} and ${sample.id} ${sample.width}x${sample.height}; set options.crop`,
        );
    const pixels = width * height;
    const channels = targets === 'packed' ? 2 : 1;
    const xs = new Float32Array(batch.length * pixels * 3);
    const ys = new Float32Array(batch.length * pixels * channels);
    batch.forEach((sample, b) => {
      const data = sample.image.data;
      const offset = b * pixels * 3;
      if (normalize) normalizePixels(data.subarray(0, pixels * 3), xs, offset);
      else xs.set(data.subarray(0, pixels * 3), offset);
      // The packed layout interleaves label and teacher logit per pixel: concat on the last axis.
      const target = b * pixels * channels;
      for (let i = 0; i < pixels; i++) {
        ys[target + i * channels] = sample.mask[i] ? 1 : 0;
        if (channels === 2) ys[target + i * 2 + 1] = sample.side?.[i] as number;
      }
    });
    return {
      xs: tf.tensor4d(xs, [batch.length, height, width, 3], 'float32'),
      ys: tf.tensor4d(ys, [batch.length, height, width, channels], 'float32'),
    };
  }

  return tfData.generator<TfBatch>(batches);
}

function keepShape(rotate: AugmentOptions['rotate']): AugmentOptions['rotate'] {
  return rotate === 'none' ? 'none' : 'keep-shape';
}

function toSource(samples: readonly Sample[] | SampleSource): Pick<SampleSource, 'size' | 'get'> {
  if (Array.isArray(samples)) {
    const list = samples as readonly Sample[];
    return { size: list.length, get: async (index) => list[index] as Sample };
  }
  const source = samples as SampleSource;
  if (!source || typeof source.get !== 'function' || !Number.isInteger(source.size))
    throw new TypeError(
      'toTfDataset: samples must be an array of samples or a SampleSource (size + get)',
    );
  return source;
}
