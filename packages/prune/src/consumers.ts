import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRandom } from './random';
import {
  type ConvGeometry,
  convGeometry,
  convOutputSize,
  crackPositions,
  type SamplingImages,
} from './sampling';
import type { Layer } from './sites';
import type { GroupConsumer } from './types';

/**
 * A consumer layer written as one linear map per sampled row: output = x · W + b with x the
 * `kernelArea x channelsIn` row (`[p][c]`) and W `kernelArea x channelsIn x channelsOut`. For a
 * Conv2D the row is the input patch; for a Conv2DTranspose the input pixels each kernel
 * position brings to the sampled output pixel; for a SeparableConv2D the depthwise output at
 * the position (W is the pointwise kernel); for a Dense after Flatten the features, one slot
 * per spatial position.
 */
export interface LinearForm {
  kind: GroupConsumer['kind'];
  kernelArea: number;
  channelsIn: number;
  channelsOut: number;
  /** `kernelArea x channelsIn x channelsOut`. */
  W: Float32Array;
  bias: Float32Array | null;
}

/** The linear form of a consumer layer; `repeat` is the Flatten repeat of a Dense consumer's input. */
export function linearForm(layer: Layer, repeat = 1): LinearForm {
  const kind = layer.getClassName() as GroupConsumer['kind'];
  const weights = layer.getWeights();
  const data = weights.map((w) => Float32Array.from(w.dataSync()));
  const shapes = weights.map((w) => w.shape as number[]);
  if (kind === 'Conv2D') {
    const [kh, kw, C, O] = shapes[0] as number[];
    return {
      kind,
      kernelArea: (kh as number) * (kw as number),
      channelsIn: C as number,
      channelsOut: O as number,
      W: data[0] as Float32Array,
      bias: data[1] ?? null,
    };
  }
  if (kind === 'Dense') {
    const [F, O] = shapes[0] as number[];
    return {
      kind,
      kernelArea: repeat,
      channelsIn: (F as number) / repeat,
      channelsOut: O as number,
      W: data[0] as Float32Array,
      bias: data[1] ?? null,
    };
  }
  if (kind === 'Conv2DTranspose') {
    // tfjs kernel [kh][kw][out][in] -> [p][in][out].
    const [kh, kw, O, C] = shapes[0] as [number, number, number, number];
    const k = kh * kw;
    const src = data[0] as Float32Array;
    const W = new Float32Array(k * C * O);
    for (let p = 0; p < k; p++)
      for (let o = 0; o < O; o++)
        for (let c = 0; c < C; c++) W[(p * C + c) * O + o] = src[(p * O + o) * C + c] as number;
    return { kind, kernelArea: k, channelsIn: C, channelsOut: O, W, bias: data[1] ?? null };
  }
  if (kind === 'SeparableConv2D') {
    const [, , C, O] = shapes[1] as number[];
    return {
      kind,
      kernelArea: 1,
      channelsIn: C as number,
      channelsOut: O as number,
      W: data[1] as Float32Array,
      bias: data[2] ?? null,
    };
  }
  throw new Error(`linearForm: '${layer.name}' is a ${kind}, not a consumer the pruner can refit`);
}

/** The layer kernel tensor values for a linear-form kernel W (`k x C x O`), in the layer's own layout. */
export function layerKernel(
  kind: GroupConsumer['kind'],
  W: Float32Array,
  shape: number[],
): Float32Array {
  if (kind !== 'Conv2DTranspose') return W;
  const [kh, kw, O, C] = shape as [number, number, number, number];
  const k = kh * kw;
  const out = new Float32Array(W.length);
  for (let p = 0; p < k; p++)
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++) out[(p * O + o) * C + c] = W[(p * C + c) * O + o] as number;
  return out;
}

/** Y = X·W + b for rows X (N x D) and W (D x O). */
export function applyLinear(
  X: Float32Array,
  W: Float32Array,
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
      for (let o = 0; o < O; o++) row[o] = (row[o] as number) + x * (W[wo + o] as number);
    }
    Y.set(row, n * O);
  }
  return Y;
}

/** What {@link collectRows} needs to know about one consumer. */
export interface RowSource {
  layer: Layer;
  /** Flatten repeat of a Dense consumer's input (1 otherwise). */
  repeat: number;
  /** Positions per image to draw (ignored for a Dense on flat features: one row per image). */
  samplesPerImage: number;
  /** Seed of the positions. */
  seed: number;
  /** Positions to use instead of drawing (image, row, column triples). */
  positions?: Int32Array;
}

/** Rows collected for one consumer. */
export interface CollectedRows {
  /** N x kernelArea x channelsIn. */
  X: Float32Array;
  /** Image index, output row, output column per row. */
  positions: Int32Array;
}

interface Sampler {
  kernelArea: number;
  /** Output positions of the consumer for an input map of height x width (0 x 0: one row per image). */
  outputSize(height: number, width: number): { height: number; width: number };
  /** Writes the row of output position (oy, ox) of image b into `out` (zeroed). */
  fill(
    data: Float32Array,
    shape: number[],
    b: number,
    oy: number,
    ox: number,
    out: Float32Array,
  ): void;
}

function samplerOf(layer: Layer, repeat: number): Sampler {
  const kind = layer.getClassName();
  if (kind === 'Dense') {
    return {
      kernelArea: repeat,
      outputSize: (h, w) => ({ height: h, width: w }),
      fill: (data, shape, b, oy, ox, out) => {
        if (shape.length === 2) {
          const F = shape[1] as number;
          out.set(data.subarray(b * F, (b + 1) * F));
        } else {
          const [, H, W, C] = shape as number[];
          const from = ((b * (H as number) + oy) * (W as number) + ox) * (C as number);
          out.set(data.subarray(from, from + (C as number)));
        }
      },
    };
  }
  const g: ConvGeometry = convGeometry(layer);
  const k = g.kernelHeight * g.kernelWidth;
  if (kind === 'Conv2DTranspose') {
    return {
      kernelArea: k,
      outputSize: (h, w) => transposeSize(g, h, w),
      fill: (data, shape, b, oy, ox, out) => {
        const [, H, W, C] = shape as [number, number, number, number];
        const size = transposeSize(g, H, W);
        for (let ky = 0; ky < g.kernelHeight; ky++) {
          const ty = oy + size.padTop - ky;
          if (ty % g.strideY !== 0) continue;
          const iy = ty / g.strideY;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < g.kernelWidth; kx++) {
            const tx = ox + size.padLeft - kx;
            if (tx % g.strideX !== 0) continue;
            const ix = tx / g.strideX;
            if (ix < 0 || ix >= W) continue;
            const from = ((b * H + iy) * W + ix) * C;
            out.set(data.subarray(from, from + C), (ky * g.kernelWidth + kx) * C);
          }
        }
      },
    };
  }
  const patch = (
    data: Float32Array,
    shape: number[],
    b: number,
    oy: number,
    ox: number,
    out: Float32Array,
  ) => {
    const [, H, W, C] = shape as [number, number, number, number];
    const size = convOutputSize(g, H, W);
    for (let ky = 0; ky < g.kernelHeight; ky++) {
      const iy = oy * g.strideY - size.padTop + ky * g.dilationY;
      if (iy < 0 || iy >= H) continue;
      for (let kx = 0; kx < g.kernelWidth; kx++) {
        const ix = ox * g.strideX - size.padLeft + kx * g.dilationX;
        if (ix < 0 || ix >= W) continue;
        const from = ((b * H + iy) * W + ix) * C;
        out.set(data.subarray(from, from + C), (ky * g.kernelWidth + kx) * C);
      }
    }
  };
  if (kind === 'SeparableConv2D') {
    const depthwise = Float32Array.from((layer.getWeights()[0] as tf.Tensor).dataSync());
    let scratch = new Float32Array(0);
    return {
      kernelArea: 1,
      outputSize: (h, w) => convOutputSize(g, h, w),
      fill: (data, shape, b, oy, ox, out) => {
        const C = shape[3] as number;
        if (scratch.length !== k * C) scratch = new Float32Array(k * C);
        scratch.fill(0);
        patch(data, shape, b, oy, ox, scratch);
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let p = 0; p < k; p++)
            s += (scratch[p * C + c] as number) * (depthwise[p * C + c] as number);
          out[c] = s;
        }
      },
    };
  }
  return { kernelArea: k, outputSize: (h, w) => convOutputSize(g, h, w), fill: patch };
}

/** Output size and top/left padding of a Conv2DTranspose (TensorFlow's rules). */
function transposeSize(g: ConvGeometry, height: number, width: number) {
  const axis = (size: number, kernel: number, stride: number) => {
    const out = g.padding === 'same' ? size * stride : size * stride + Math.max(kernel - stride, 0);
    const total = g.padding === 'same' ? Math.max((size - 1) * stride + kernel - out, 0) : 0;
    return { out, pad: Math.floor(total / 2) };
  };
  const y = axis(height, g.kernelHeight, g.strideY);
  const x = axis(width, g.kernelWidth, g.strideX);
  return { height: y.out, width: x.out, padTop: y.pad, padLeft: x.pad };
}

/**
 * Rows of several consumers of `model` from one forward pass per batch of images: for each
 * consumer, its linear-form input rows at drawn (or given) output positions.
 */
export async function collectRows(
  model: tfl.LayersModel,
  sources: RowSource[],
  images: SamplingImages,
  batchSize: number,
  crack: { fraction: number; threshold: number } = { fraction: 0, threshold: 0.5 },
): Promise<CollectedRows[]> {
  // Several consumers may read one tensor: fetch each tensor once.
  const unique: tfl.SymbolicTensor[] = [];
  const slot = sources.map((s) => {
    const tensor = s.layer.input as tfl.SymbolicTensor;
    const at = unique.indexOf(tensor);
    if (at >= 0) return at;
    unique.push(tensor);
    return unique.length - 1;
  });
  const inputs = unique;
  const crackFraction = sources.every((s) => s.positions) ? 0 : crack.fraction;
  const extractor = tfl.model({
    inputs: model.inputs,
    outputs: crackFraction > 0 ? [...inputs, model.outputs[0] as tfl.SymbolicTensor] : inputs,
  });
  const threshold = Math.log(crack.threshold / (1 - crack.threshold));
  const samplers = sources.map((s) => samplerOf(s.layer, s.repeat));
  const randoms = sources.map((s) => createRandom(s.seed));
  const drawn: number[][] = sources.map(() => []);
  const chunks: Float32Array[][] = sources.map(() => []);
  let imageOffset = 0;
  const list = Array.isArray(images) ? images : [images];
  for (const whole of list) {
    for (let start = 0; start < whole.shape[0]; start += batchSize) {
      const count = Math.min(batchSize, whole.shape[0] - start);
      const outputs = tf.tidy(() => {
        const batch =
          count === whole.shape[0] ? whole : tf.slice(whole, [start, 0, 0, 0], [count, -1, -1, -1]);
        const result = extractor.predict(batch);
        return Array.isArray(result) ? result : [result];
      });
      try {
        const logits = crackFraction > 0 ? (outputs[unique.length] as tf.Tensor) : null;
        const logitData = logits ? ((await logits.data()) as Float32Array) : null;
        for (let i = 0; i < sources.length; i++) {
          const source = sources[i] as RowSource;
          const sampler = samplers[i] as Sampler;
          const map = outputs[slot[i] as number] as tf.Tensor;
          const shape = map.shape as number[];
          const data = (await map.data()) as Float32Array;
          const flat = shape.length === 2;
          const size = flat
            ? { height: 1, width: 1 }
            : sampler.outputSize(shape[1] as number, shape[2] as number);
          const rowLength =
            sampler.kernelArea *
            (flat ? (shape[1] as number) / sampler.kernelArea : (shape[3] as number));
          for (let b = 0; b < count; b++) {
            const image = imageOffset + b;
            const picks: Array<[number, number]> = [];
            if (source.positions) {
              const given = source.positions;
              for (let s = 0; s < given.length; s += 3)
                if (given[s] === image)
                  picks.push([given[s + 1] as number, given[s + 2] as number]);
            } else if (flat) {
              picks.push([0, 0]);
            } else {
              const random = randoms[i] as () => number;
              const cracks =
                logits && logitData
                  ? crackPositions(logitData, logits.shape as number[], b, size, threshold)
                  : [];
              const fromCracks =
                cracks.length > 0 ? Math.round(crackFraction * source.samplesPerImage) : 0;
              for (let s = 0; s < source.samplesPerImage; s++) {
                if (s < fromCracks) {
                  const at = cracks[Math.floor(random() * cracks.length)] as number;
                  picks.push([Math.floor(at / size.width), at % size.width]);
                } else {
                  picks.push([
                    Math.floor(random() * size.height),
                    Math.floor(random() * size.width),
                  ]);
                }
              }
            }
            const X = new Float32Array(picks.length * rowLength);
            picks.forEach(([oy, ox], s) => {
              (drawn[i] as number[]).push(image, oy, ox);
              sampler.fill(data, shape, b, oy, ox, X.subarray(s * rowLength, (s + 1) * rowLength));
            });
            (chunks[i] as Float32Array[]).push(X);
          }
        }
      } finally {
        for (const t of outputs) t.dispose();
      }
      imageOffset += count;
    }
  }
  return sources.map((_, i) => {
    const parts = chunks[i] as Float32Array[];
    const X = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      X.set(part, offset);
      offset += part.length;
    }
    return { X, positions: Int32Array.from(drawn[i] as number[]) };
  });
}

/** Output positions of a consumer per image (1 for a Dense on flat features), from its input shape. */
export function positionsPerImage(layer: Layer, repeat: number): number {
  const shape = (layer.input as tfl.SymbolicTensor).shape;
  if (shape.length === 2) return 1;
  const sampler = samplerOf(layer, repeat);
  const size = sampler.outputSize(shape[1] as number, shape[2] as number);
  return size.height * size.width;
}
