/**
 * Pretrained encoder weights a user brings (none can be downloaded here): a tfjs-layers model,
 * e.g. a Keras ImageNet ResNet50 converted with the TF.js converter, or a map of named weights.
 * Weights are matched by layer name and weight name, which is why the backbone encoders use
 * Keras's layer names, and copied only when their shapes agree.
 */
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** Options of {@link loadEncoderWeights}. */
export interface LoadEncoderWeightsOptions {
  /**
   * Which layers of the target model may receive weights, by name. Default: every layer except
   * the decoder (`dec{i}_*`) and the head, so a whole U-Net given as the source only passes on
   * its encoder.
   */
  layers?: (name: string) => boolean;
  /**
   * Throw when a source weight has a matching layer but a different shape (instead of listing it
   * in `skipped`). Default false: a converted ImageNet model whose stem differs still loads the
   * rest.
   */
  strict?: boolean;
}

/** What {@link loadEncoderWeights} did. */
export interface LoadEncoderWeightsReport {
  /** Weights copied, as `layer/weight` names. */
  loaded: string[];
  /** Source weights not copied, with the reason (no such layer, shape mismatch, filtered out). */
  skipped: Array<{
    /** The source weight's `layer/weight` name. */
    name: string;
    /** Why it was not copied. */
    reason: string;
  }>;
}

const FN = 'loadEncoderWeights';

function isDecoder(name: string): boolean {
  return /^dec[0-9]+_/.test(name) || name === 'head';
}

/** Source weights by their `layer/weight` name (a LayersModel's layer names, or the map's keys). */
function sourceWeights(source: LayersModel | NamedTensorMap): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  if (Array.isArray((source as LayersModel).layers)) {
    for (const layer of (source as LayersModel).layers) {
      for (const weight of layer.weights) {
        weights.set(`${layer.name}/${localName(weight.originalName)}`, weight.read());
      }
    }
    return weights;
  }
  for (const [name, tensor] of Object.entries(source as NamedTensorMap)) weights.set(name, tensor);
  return weights;
}

/** 'conv1_conv/kernel' -> 'kernel'; tolerates the numeric suffixes tfjs adds ('kernel_1'). */
function localName(originalName: string): string {
  const last = originalName.slice(originalName.lastIndexOf('/') + 1);
  return last.replace(/_[0-9]+$/, '');
}

/**
 * Copies the weights of `source` into the layers of `model` with the same layer name and weight
 * name and the same shape; returns what was loaded and what was skipped and why. `source` is a
 * tfjs-layers model (e.g. `await tf.loadLayersModel('file://resnet50/model.json')`) or a map
 * from `layer/weight` names to tensors (e.g. from `tf.io.decodeWeights`). Nothing is allocated
 * that outlives the call; the source stays the caller's.
 *
 * @throws Error if `model` is not a LayersModel, if nothing at all matched (almost always a
 * naming mismatch: the message lists a few names from each side), or, with `strict`, on the
 * first shape mismatch.
 */
export function loadEncoderWeights(
  model: LayersModel,
  source: LayersModel | NamedTensorMap,
  options: LoadEncoderWeightsOptions = {},
): LoadEncoderWeightsReport {
  if (!model || !Array.isArray(model.layers)) {
    throw new TypeError(`${FN}: model must be a tfjs-layers LayersModel, got ${String(model)}`);
  }
  if (source == null || typeof source !== 'object') {
    throw new TypeError(
      `${FN}: source must be a LayersModel or a map of named tensors, got ${String(source)}`,
    );
  }
  const accept = options.layers ?? ((name: string) => !isDecoder(name));
  const targets = new Map<
    string,
    { layer: string; weight: (typeof model.layers)[number]['weights'][number] }
  >();
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      targets.set(`${layer.name}/${localName(weight.originalName)}`, { layer: layer.name, weight });
    }
  }
  const report: LoadEncoderWeightsReport = { loaded: [], skipped: [] };
  const writes: Array<[(typeof model.layers)[number]['weights'][number], Tensor]> = [];
  for (const [name, tensor] of sourceWeights(source)) {
    const target = targets.get(name);
    if (!target) {
      report.skipped.push({ name, reason: 'no layer of that name in the model' });
      continue;
    }
    if (!accept(target.layer)) {
      report.skipped.push({ name, reason: 'layer filtered out (decoder or options.layers)' });
      continue;
    }
    const want = target.weight.shape;
    if (want.length !== tensor.shape.length || want.some((d, i) => d !== tensor.shape[i])) {
      const reason = `shape [${tensor.shape.join(', ')}] does not match the model's [${want.join(', ')}]`;
      if (options.strict) throw new Error(`${FN}: ${name}: ${reason}`);
      report.skipped.push({ name, reason });
      continue;
    }
    writes.push([target.weight, tensor]);
    report.loaded.push(name);
  }
  if (writes.length === 0) {
    const some = (names: Iterable<string>) => [...names].slice(0, 4).join(', ');
    throw new Error(
      `${FN}: no weight matched by layer name and shape; model has ${some(targets.keys())}..., source has ${some(sourceWeights(source).keys())}...`,
    );
  }
  for (const [weight, tensor] of writes) weight.write(tensor);
  return report;
}
