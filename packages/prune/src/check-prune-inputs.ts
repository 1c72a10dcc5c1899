import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { findPrunableSites } from './sites';

/** Layers that shrink the feature map by their strides. */
const DOWNSAMPLING = new Set([
  'MaxPooling2D',
  'AveragePooling2D',
  'Conv2D',
  'SeparableConv2D',
  'DepthwiseConv2D',
]);

/** Images whose values leave this range are taken for unnormalised 0-255 pixels. */
const NORMALISED_LIMIT = 1.5;

const shapeText = (shape: readonly (number | null)[]) =>
  `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;

/** The stride of a layer along height and width (1 for layers that keep the size). */
function strideOf(layer: tfl.layers.Layer): [number, number] {
  if (!DOWNSAMPLING.has(layer.getClassName())) return [1, 1];
  const config = layer.getConfig();
  const value = config.strides ?? config.poolSize ?? 1;
  return Array.isArray(value)
    ? [Number(value[0]), Number(value[1] ?? value[0])]
    : [Number(value), Number(value)];
}

/**
 * The largest total downsampling on any path from the input, per axis, with the layers that make
 * it: a U-Net with two 2x2 poolings needs sizes divisible by 4, or its skip concatenations fail.
 */
function downsampling(model: tfl.LayersModel): { factor: [number, number]; layers: string[] } {
  const memo = new Map<tfl.layers.Layer, { factor: [number, number]; layers: string[] }>();
  const visit = (layer: tfl.layers.Layer): { factor: [number, number]; layers: string[] } => {
    const known = memo.get(layer);
    if (known) return known;
    let best: { factor: [number, number]; layers: string[] } = { factor: [1, 1], layers: [] };
    memo.set(layer, best); // guards against cycles; graphs here are DAGs
    for (const node of layer.inboundNodes) {
      for (const inbound of node.inboundLayers) {
        const from = visit(inbound);
        if (from.factor[0] * from.factor[1] > best.factor[0] * best.factor[1]) best = from;
      }
    }
    const [sy, sx] = strideOf(layer);
    const result = {
      factor: [best.factor[0] * sy, best.factor[1] * sx] as [number, number],
      layers: sy * sx > 1 ? [...best.layers, layer.name] : best.layers,
    };
    memo.set(layer, result);
    return result;
  };
  let best: { factor: [number, number]; layers: string[] } = { factor: [1, 1], layers: [] };
  for (const output of model.outputs) {
    const result = visit(output.sourceLayer as tfl.layers.Layer);
    if (result.factor[0] * result.factor[1] > best.factor[0] * best.factor[1]) best = result;
  }
  return best;
}

/**
 * Checks the sampling images of {@link pruneModel} against the model before any work, so that bad
 * input fails with a message about the input rather than deep inside tfjs or the LASSO solver
 * (issue 17: NaN images gave "Matrix is not symmetric", sizes not divisible by 4 a raw concat4D
 * error). Throws a RangeError naming `fn`, the field and the shapes for: a model with several
 * inputs, images whose channels or fixed size differ from the model input, sizes not divisible
 * by the model's downsampling, NaN or infinite values (with their index). Returns warnings for
 * what is allowed but probably wrong: values outside [-1.5, 1.5] (0-255 pixels where the model
 * expects (x - 127.5) / 127.5), an output that is not a per-pixel map, and no prunable site.
 */
export function checkPruneInputs(
  fn: string,
  model: tfl.LayersModel,
  images: tf.Tensor4D | tf.Tensor4D[],
  sites?: readonly string[],
): string[] {
  const warnings: string[] = [];
  if (model.inputs.length !== 1) {
    throw new RangeError(
      `${fn}: model must have one image input, got ${model.inputs.length} inputs`,
    );
  }
  const inputShape = model.inputs[0]?.shape as (number | null)[];
  const [, modelHeight, modelWidth, modelChannels] = inputShape;
  const { factor, layers } = downsampling(model);
  const list = Array.isArray(images) ? images : [images];
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  list.forEach((batch, b) => {
    const field = Array.isArray(images) ? `images[${b}]` : 'images';
    const [count, height, width, channels] = batch.shape;
    if (
      channels !== modelChannels ||
      (modelHeight != null && height !== modelHeight) ||
      (modelWidth != null && width !== modelWidth)
    ) {
      throw new RangeError(
        `${fn}: ${field} has shape ${shapeText(batch.shape)} but the model input is ${shapeText(inputShape)}`,
      );
    }
    if (height % factor[0] !== 0 || width % factor[1] !== 0) {
      throw new RangeError(
        `${fn}: ${field} is ${height}x${width} (shape ${shapeText(batch.shape)}), but the model downsamples by ${factor[0]}x${factor[1]} (${layers.join(', ')}), so height must be a multiple of ${factor[0]} and width of ${factor[1]}`,
      );
    }
    const data = batch.dataSync();
    for (let i = 0; i < data.length; i++) {
      const value = data[i] as number;
      if (value - value !== 0) {
        const c = i % channels;
        const pixel = Math.floor(i / channels);
        const x = pixel % width;
        const y = Math.floor(pixel / width) % height;
        const n = Math.floor(pixel / (width * height));
        throw new RangeError(
          `${fn}: ${field} holds ${value} at index ${i} (image ${n} of ${count}, y=${y}, x=${x}, channel ${c}); images must be finite`,
        );
      }
      if (value < low) low = value;
      if (value > high) high = value;
    }
  });
  if (low < -NORMALISED_LIMIT || high > NORMALISED_LIMIT) {
    warnings.push(
      `${fn}: the images range over [${low}, ${high}], outside [-${NORMALISED_LIMIT}, ${NORMALISED_LIMIT}]: the model expects pixels normalised as (x - 127.5) / 127.5 (normalizePixels of @crack/data); 0-255 images sample meaningless features`,
    );
  }
  const outputShape = model.outputs[0]?.shape as (number | null)[];
  if (model.outputs.length !== 1 || outputShape.length !== 4) {
    warnings.push(
      `${fn}: the model output is ${model.outputs.map((o) => shapeText(o.shape)).join(' and ')}, not one per-pixel map [batch, height, width, channels]; pruneModel is meant for segmentation networks`,
    );
  }
  if (!sites) {
    const analysis = findPrunableSites(model);
    if (analysis.sites.length === 0) {
      const reasons = analysis.skipped
        .slice(0, 3)
        .map((s) => `${s.producer} ${s.reason}`)
        .join('; ');
      warnings.push(
        `${fn}: the model has no prunable site (a Conv2D whose map feeds only another Conv2D through ReLU-like layers), so nothing is pruned${reasons ? `; e.g. ${reasons}` : ''}`,
      );
    }
  }
  return warnings;
}
