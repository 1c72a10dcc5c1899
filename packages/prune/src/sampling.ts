import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from './random';
import { findPrunableSites, type Layer, siteByProducer } from './sites';
import type { FeatureSamples, PrunableSite } from './types';
import { checkInteger, describe, fail } from './validate';

/** Images to sample with: one NHWC batch of normalised inputs, or several batches. */
export type SamplingImages = tf.Tensor4D | tf.Tensor4D[];

/** Options for {@link sampleSite}. */
export interface SampleSiteOptions {
  /**
   * Normalised input images ((x - 127.5) / 127.5, NHWC): one Tensor4D, run `batchSize` images at
   * a time, or an array of Tensor4D batches run as given. Not disposed.
   */
  images: SamplingImages;
  /** Random output positions per image. Default 10 (He et al. 2017; PocketFlow). */
  samplesPerImage?: number;
  /** Seed of the positions. Default 0. */
  seed?: number;
  /** Images per forward pass when `images` is one tensor. Default 4. */
  batchSize?: number;
  /**
   * Fraction of each image's positions drawn where the model itself sees a crack, the rest
   * uniformly. Default 0: uniform positions (He et al. 2017). Cracks cover ~2 % of a road photo,
   * so uniform rows are ~98 % background and the least-squares refit that follows fits the
   * background and shrinks the rare crack logits; 0.5 gives the crack neighbourhood half the rows
   * (stratified sampling, which is least squares with crack rows weighted up). An image without
   * crack positions gets all its positions uniformly. In [0, 1].
   */
  crackFraction?: number;
  /**
   * A consumer position counts as crack when the model's output probability (sigmoid of its
   * first output channel) reaches this value anywhere in the output block it maps to. Default
   * 0.5. In (0, 1).
   */
  crackThreshold?: number;
}

/** Samples of one site plus the consumer weights they were computed with. */
export interface SiteSamples extends FeatureSamples {
  /** Consumer kernel, tfjs layout `[kh][kw][channelsIn][channelsOut]`. */
  kernel: Float32Array;
  /** Consumer bias, or null when it has none. */
  bias: Float32Array | null;
  /** Sampled positions, three numbers each: image index, output row, output column. */
  positions: Int32Array;
}

/** Geometry of a Conv2D needed to cut its input patches. */
export interface ConvGeometry {
  kernelHeight: number;
  kernelWidth: number;
  strideY: number;
  strideX: number;
  dilationY: number;
  dilationX: number;
  padding: 'same' | 'valid';
}

const FN = 'sampleSite';

/**
 * Runs images through `model` and collects, at random output positions of the site's consumer
 * Conv2D, its input patches X (N x kh*kw x C, honouring padding, stride and dilation) and its
 * pre-activation outputs Y = X·W + b (N x Cout): the fused activation of the consumer is not
 * applied. These are the X and Y of eq 4-6.
 */
export async function sampleSite(
  model: tfl.LayersModel,
  site: PrunableSite | string,
  options: SampleSiteOptions,
): Promise<SiteSamples> {
  const resolved =
    typeof site === 'string' ? siteByProducer(FN, findPrunableSites(model), site) : site;
  const { images, samplesPerImage, seed, batchSize, crackFraction, crackThreshold } =
    checkSamplingOptions(FN, options);
  const consumer = model.getLayer(resolved.consumer);
  const [patches] = await collectPatches(model, [consumer], images, {
    samplesPerImage,
    seeds: [seed],
    batchSize,
    crackFraction,
    crackThreshold,
  });
  const { X, positions } = patches as CollectedPatches;
  const { kernel, bias, channelsIn, channelsOut, kernelArea } = convWeights(consumer);
  const Y = convOutputs(X, kernel, bias, kernelArea * channelsIn, channelsOut);
  return {
    X,
    Y,
    samples: positions.length / 3,
    kernelArea,
    channelsIn,
    channelsOut,
    kernel,
    bias,
    positions,
  };
}

/** Validated sampling options with defaults applied. */
export function checkSamplingOptions(
  fn: string,
  options: SampleSiteOptions,
): {
  images: SamplingImages;
  samplesPerImage: number;
  seed: number;
  batchSize: number;
  crackFraction: number;
  crackThreshold: number;
} {
  if (!options || typeof options !== 'object') fail(fn, 'options', 'an object', options);
  const { images } = options;
  const list = Array.isArray(images) ? images : [images];
  if (list.length === 0)
    fail(fn, 'images', 'a Tensor4D or a non-empty array of Tensor4D', 'an empty array');
  list.forEach((batch, i) => {
    const field = Array.isArray(images) ? `images[${i}]` : 'images';
    if (!(batch instanceof tf.Tensor) || batch.rank !== 4) {
      throw new RangeError(
        `${fn}: ${field} must be a rank-4 tf.Tensor (NHWC batch of normalised images), got ${batch instanceof tf.Tensor ? `rank ${batch.rank}` : describe(batch)}`,
      );
    }
    if (batch.isDisposed) fail(fn, field, 'a live tensor', 'a disposed tensor');
  });
  return {
    images,
    samplesPerImage: checkInteger(fn, 'samplesPerImage', options.samplesPerImage ?? 10, 1),
    seed: options.seed ?? 0,
    batchSize: checkInteger(fn, 'batchSize', options.batchSize ?? 4, 1),
    crackFraction: checkRange(fn, 'crackFraction', options.crackFraction ?? 0, 0, 1, true),
    crackThreshold: checkRange(fn, 'crackThreshold', options.crackThreshold ?? 0.5, 0, 1, false),
  };
}

function checkRange(
  fn: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  closed: boolean,
): number {
  const inside =
    typeof value === 'number' &&
    (closed ? value >= min && value <= max : value > min && value < max);
  if (!inside)
    fail(fn, field, `a number in ${closed ? '[' : '('}${min}, ${max}${closed ? ']' : ')'}`, value);
  return value as number;
}

/** Kernel, stride, dilation and padding of a Conv2D layer. */
export function convGeometry(layer: Layer): ConvGeometry {
  const config = layer.getConfig();
  const pair = (value: unknown): [number, number] =>
    Array.isArray(value)
      ? [Number(value[0]), Number(value[1] ?? value[0])]
      : [Number(value), Number(value)];
  const [kernelHeight, kernelWidth] = pair(config.kernelSize);
  const [strideY, strideX] = pair(config.strides ?? 1);
  const [dilationY, dilationX] = pair(config.dilationRate ?? 1);
  const padding = config.padding === 'same' ? 'same' : 'valid';
  return { kernelHeight, kernelWidth, strideY, strideX, dilationY, dilationX, padding };
}

/** Output size and top/left padding of a convolution on an `height` x `width` input (TensorFlow's rules). */
export function convOutputSize(
  geometry: ConvGeometry,
  height: number,
  width: number,
): { height: number; width: number; padTop: number; padLeft: number } {
  const axis = (size: number, kernel: number, stride: number, dilation: number) => {
    const span = (kernel - 1) * dilation + 1;
    if (geometry.padding === 'valid')
      return { out: Math.max(0, Math.ceil((size - span + 1) / stride)), pad: 0 };
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    return { out, pad: Math.floor(total / 2) };
  };
  const y = axis(height, geometry.kernelHeight, geometry.strideY, geometry.dilationY);
  const x = axis(width, geometry.kernelWidth, geometry.strideX, geometry.dilationX);
  return { height: y.out, width: x.out, padTop: y.pad, padLeft: x.pad };
}

/** The weights of a Conv2D as flat arrays (copies). */
export function convWeights(layer: Layer): {
  kernel: Float32Array;
  bias: Float32Array | null;
  kernelArea: number;
  channelsIn: number;
  channelsOut: number;
} {
  const [kernelTensor, biasTensor] = layer.getWeights();
  if (!kernelTensor)
    throw new Error(`convWeights: layer '${layer.name}' has no kernel (is it built?)`);
  const [kh, kw, channelsIn, channelsOut] = kernelTensor.shape as [number, number, number, number];
  return {
    kernel: Float32Array.from(kernelTensor.dataSync()),
    bias: biasTensor ? Float32Array.from(biasTensor.dataSync()) : null,
    kernelArea: kh * kw,
    channelsIn,
    channelsOut,
  };
}

/** Y = X·W + b for flattened patches X (N x D) and kernel W (D x O). */
export function convOutputs(
  X: Float32Array,
  kernel: Float32Array,
  bias: Float32Array | null,
  D: number,
  O: number,
): Float32Array {
  const N = X.length / D;
  const Y = new Float32Array(N * O);
  const row = new Float64Array(O);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) row[o] = bias ? (bias[o] as number) : 0;
    const xo = n * D;
    for (let d = 0; d < D; d++) {
      const x = X[xo + d] as number;
      if (x === 0) continue;
      const wo = d * O;
      for (let o = 0; o < O; o++) row[o] = (row[o] as number) + x * (kernel[wo + o] as number);
    }
    Y.set(row, n * O);
  }
  return Y;
}

/** Patches collected for one consumer. */
export interface CollectedPatches {
  /** N x kernelArea x channels. */
  X: Float32Array;
  /** Image index, output row, output column per sample. */
  positions: Int32Array;
}

/**
 * Input patches of several Conv2D `consumers` of `model`, from one forward pass per batch of
 * images. Positions are drawn per image from `seeds[i]` unless `positions[i]` gives them (so a
 * pruned model can be sampled exactly where the original was); with `crackFraction` > 0 that
 * fraction of them is drawn among the positions where the model's own output sees a crack
 * (see {@link SampleSiteOptions.crackFraction}).
 */
export async function collectPatches(
  model: tfl.LayersModel,
  consumers: Layer[],
  images: SamplingImages,
  options: {
    samplesPerImage: number;
    seeds?: number[];
    positions?: Int32Array[];
    batchSize: number;
    crackFraction?: number;
    crackThreshold?: number;
  },
): Promise<CollectedPatches[]> {
  const crackFraction = options.positions ? 0 : (options.crackFraction ?? 0);
  const inputs = consumers.map((layer) => layer.input as tfl.SymbolicTensor);
  const outputs = crackFraction > 0 ? [...inputs, model.outputs[0] as tfl.SymbolicTensor] : inputs;
  const extractor = tfl.model({ inputs: model.inputs, outputs });
  const threshold = Math.log(
    (options.crackThreshold ?? 0.5) / (1 - (options.crackThreshold ?? 0.5)),
  );
  const geometry = consumers.map(convGeometry);
  const randoms = consumers.map((_, i) => createRandom(options.seeds?.[i] ?? i));
  const drawn: number[][] = consumers.map(() => []);
  const chunks: Float32Array[][] = consumers.map(() => []);
  let imageOffset = 0;
  for await (const batch of batches(images, options.batchSize)) {
    const outputs = tf.tidy(() => {
      const result = extractor.predict(batch.tensor);
      return Array.isArray(result) ? result : [result];
    });
    if (batch.owned) batch.tensor.dispose();
    try {
      const logits = crackFraction > 0 ? (outputs[consumers.length] as tf.Tensor) : null;
      const logitData = logits ? ((await logits.data()) as Float32Array) : null;
      for (let i = 0; i < consumers.length; i++) {
        const map = outputs[i] as tf.Tensor;
        const [B, H, W, C] = map.shape as [number, number, number, number];
        const data = (await map.data()) as Float32Array;
        const g = geometry[i] as ConvGeometry;
        const size = convOutputSize(g, H, W);
        const given = options.positions?.[i];
        for (let b = 0; b < B; b++) {
          const image = imageOffset + b;
          const picks: Array<[number, number]> = [];
          if (given) {
            for (let s = 0; s < given.length; s += 3) {
              if (given[s] === image) picks.push([given[s + 1] as number, given[s + 2] as number]);
            }
          } else {
            const random = randoms[i] as () => number;
            const cracks =
              logits && logitData
                ? crackPositions(logitData, logits.shape as number[], b, size, threshold)
                : [];
            const fromCracks =
              cracks.length > 0 ? Math.round(crackFraction * options.samplesPerImage) : 0;
            for (let s = 0; s < options.samplesPerImage; s++) {
              if (s < fromCracks) {
                const at = cracks[Math.floor(random() * cracks.length)] as number;
                picks.push([Math.floor(at / size.width), at % size.width]);
              } else {
                picks.push([Math.floor(random() * size.height), Math.floor(random() * size.width)]);
              }
            }
          }
          const k = g.kernelHeight * g.kernelWidth;
          const X = new Float32Array(picks.length * k * C);
          picks.forEach(([oy, ox], s) => {
            (drawn[i] as number[]).push(image, oy, ox);
            for (let ky = 0; ky < g.kernelHeight; ky++) {
              const iy = oy * g.strideY - size.padTop + ky * g.dilationY;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < g.kernelWidth; kx++) {
                const ix = ox * g.strideX - size.padLeft + kx * g.dilationX;
                if (ix < 0 || ix >= W) continue;
                const from = ((b * H + iy) * W + ix) * C;
                X.set(data.subarray(from, from + C), (s * k + ky * g.kernelWidth + kx) * C);
              }
            }
          });
          (chunks[i] as Float32Array[]).push(X);
        }
      }
      imageOffset += batch.tensor.shape[0];
    } finally {
      for (const t of outputs) t.dispose();
    }
  }
  return consumers.map((_, i) => ({
    X: concat(chunks[i] as Float32Array[]),
    positions: Int32Array.from(drawn[i] as number[]),
  }));
}

/**
 * Row-major indices (oy * width + ox) of the consumer positions whose block of the model output
 * holds a logit >= `threshold`. The output is `[B, Ho, Wo, C]` (channel 0 read); a consumer map of
 * `size.height` x `size.width` maps each position to the block of Ho / height x Wo / width output
 * pixels it covers (U-Net levels are integer down-scalings of the output).
 */
export function crackPositions(
  logits: Float32Array,
  shape: readonly number[],
  image: number,
  size: { height: number; width: number },
  threshold: number,
): number[] {
  const [, Ho, Wo, C] = shape as [number, number, number, number];
  const found = new Uint8Array(size.height * size.width);
  const base = image * Ho * Wo * C;
  for (let y = 0; y < Ho; y++) {
    const oy = Math.min(size.height - 1, Math.floor((y * size.height) / Ho));
    for (let x = 0; x < Wo; x++) {
      if ((logits[base + (y * Wo + x) * C] as number) < threshold) continue;
      found[oy * size.width + Math.min(size.width - 1, Math.floor((x * size.width) / Wo))] = 1;
    }
  }
  const positions: number[] = [];
  for (let i = 0; i < found.length; i++) if (found[i]) positions.push(i);
  return positions;
}

async function* batches(
  images: SamplingImages,
  batchSize: number,
): AsyncGenerator<{ tensor: tf.Tensor4D; owned: boolean }> {
  if (Array.isArray(images)) {
    for (const tensor of images) yield { tensor, owned: false };
    return;
  }
  const count = images.shape[0];
  if (count <= batchSize) {
    yield { tensor: images, owned: false };
    return;
  }
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    yield { tensor: tf.slice(images, [start, 0, 0, 0], [size, -1, -1, -1]), owned: true };
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
