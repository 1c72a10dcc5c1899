import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { PrunableSite } from './types';
import { checkInteger, fail } from './validate';

/** Options for {@link removeChannels}. */
export interface RemoveChannelsOptions {
  /** The site whose map loses channels (from {@link findPrunableSites} on this model). */
  site: PrunableSite;
  /** Channels to keep, strictly ascending indices into the map's current channels. */
  kept: readonly number[];
  /**
   * New consumer kernel on the kept channels, `[kh][kw][kept.length][Cout]` (from
   * {@link reconstructWeights}). Default: the old kernel's kept input slices.
   */
  consumerKernel?: Float32Array;
  /** New consumer bias. Default: unchanged. */
  consumerBias?: Float32Array | null;
}

type PyDict = { [key: string]: unknown };
const FN = 'removeChannels';

/**
 * Model surgery: a new, ordinary tf.LayersModel in which the site's producer has only the
 * `kept` filters (with their bias and the matching BatchNormalization / PReLU entries of the
 * channel-wise layers in between) and the consumer reads only those input slices. The topology
 * is the model's own JSON with the producer's `filters` changed, so the result saves, loads and
 * trains like any model; every other weight is copied unchanged. `model` itself is not modified.
 */
export async function removeChannels(
  model: tfl.LayersModel,
  options: RemoveChannelsOptions,
): Promise<tfl.LayersModel> {
  const { site, kept } = options;
  if (!site || typeof site.producer !== 'string') fail(FN, 'site', 'a PrunableSite', site);
  const C = site.channels;
  if (!Array.isArray(kept) || kept.length === 0)
    fail(FN, 'kept', `a non-empty array of channel indices in [0, ${C - 1}]`, kept);
  kept.forEach((channel, i) => {
    checkInteger(FN, `kept[${i}]`, channel, 0, C - 1);
    if (i > 0 && channel <= (kept[i - 1] as number))
      fail(FN, 'kept', 'strictly ascending', kept.join(','));
  });
  const producer = model.getLayer(site.producer);
  const consumer = model.getLayer(site.consumer);
  const [consumerKernel] = consumer.getWeights();
  if (!consumerKernel) throw new Error(`${FN}: consumer '${site.consumer}' has no kernel`);
  const [kh, kw, consumerIn, consumerOut] = consumerKernel.shape as number[];
  if (Number(producer.getConfig().filters) !== C || consumerIn !== C) {
    throw new RangeError(
      `${FN}: site '${site.producer}' has ${C} channels but the model has ${String(producer.getConfig().filters)}; find the sites again on this model`,
    );
  }
  if (options.consumerKernel !== undefined) {
    const expected = (kh as number) * (kw as number) * kept.length * (consumerOut as number);
    if (
      !(options.consumerKernel instanceof Float32Array) ||
      options.consumerKernel.length !== expected
    ) {
      fail(
        FN,
        'consumerKernel',
        `a Float32Array of ${expected} values ([${kh}, ${kw}, ${kept.length}, ${consumerOut}])`,
        options.consumerKernel,
      );
    }
  }
  if (options.consumerBias && options.consumerBias.length !== consumerOut) {
    fail(FN, 'consumerBias.length', `${consumerOut}`, options.consumerBias.length);
  }

  const topology = model.toJSON(null, false) as PyDict;
  const layerConfigs = ((topology.config as PyDict).layers ?? []) as PyDict[];
  const producerConfig = layerConfigs.find(
    (layer) =>
      layer.name === site.producer || (layer.config as PyDict | undefined)?.name === site.producer,
  );
  if (!producerConfig)
    throw new Error(`${FN}: layer '${site.producer}' is missing from the model JSON`);
  (producerConfig.config as PyDict).filters = kept.length;
  const pruned = await tfl.models.modelFromJSON({
    modelTopology: topology,
  } as Parameters<typeof tfl.models.modelFromJSON>[0]);

  const passThrough = new Set(site.passThrough);
  try {
    for (const layer of model.layers) {
      const target = pruned.getLayer(layer.name);
      const old = layer.getWeights();
      if (old.length === 0) continue;
      tf.tidy(() => {
        let values: tf.Tensor[];
        if (layer.name === site.producer) {
          // Kernel [kh, kw, in, C] loses output filters; bias [C] loses entries.
          values = old.map((w) => takeAlongAxis(w, kept, w.rank - 1));
        } else if (passThrough.has(layer.name)) {
          values = old.map((w) =>
            w.shape[w.rank - 1] === C ? takeAlongAxis(w, kept, w.rank - 1) : w,
          );
        } else if (layer.name === site.consumer) {
          const kernel = options.consumerKernel
            ? tf.tensor4d(options.consumerKernel, [
                kh as number,
                kw as number,
                kept.length,
                consumerOut as number,
              ])
            : takeAlongAxis(old[0] as tf.Tensor, kept, 2);
          values = [kernel, ...old.slice(1)];
          if (options.consumerBias && values.length > 1)
            values[1] = tf.tensor1d(options.consumerBias);
        } else {
          values = old;
        }
        target.setWeights(values);
      });
    }
  } catch (error) {
    pruned.dispose();
    throw error;
  }
  return pruned;
}

/**
 * The entries `indices` along `axis` of a float32 tensor, as a new tensor. Copied on the JS side
 * rather than with `tf.gather`: the wasm backend's Gather (tfjs 4.22) keeps a rank-4 shape in its
 * own record of the result, so a gathered bias is later refused by wasm's FusedConv2D ("only
 * supports rank-1 bias"). Weights are small, so the copy costs nothing that matters.
 */
function takeAlongAxis(tensor: tf.Tensor, indices: readonly number[], axis: number): tf.Tensor {
  const values = tensor.dataSync();
  const size = tensor.shape[axis] as number;
  const inner = tensor.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = values.length / (size * inner);
  const out = new Float32Array(outer * indices.length * inner);
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      const start = (o * size + index) * inner;
      out.set(values.subarray(start, start + inner), offset);
      offset += inner;
    }
  }
  const shape = tensor.shape.slice();
  shape[axis] = indices.length;
  return tf.tensor(out, shape, 'float32');
}

/** A separate model with the same topology and weights as `model`. */
export async function copyModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const copy = await tfl.models.modelFromJSON({
    modelTopology: model.toJSON(null, false),
  } as Parameters<typeof tfl.models.modelFromJSON>[0]);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length) copy.getLayer(layer.name).setWeights(weights);
  }
  return copy;
}
