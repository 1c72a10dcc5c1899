/**
 * Building, saving and loading the pipeline's models. Every model is fully convolutional
 * (`inputSize: null`), so weights trained on crops apply unchanged to whole images of any size
 * divisible by 2^depth.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createUnet } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelConfig } from './config';

/** A freshly initialised U-Net of the given size (He init, seeded). */
export function buildUnet(model: ModelConfig, seed: number, name: string): tfl.LayersModel {
  return createUnet({
    depth: model.depth,
    baseFilters: model.baseFilters,
    inputSize: null,
    seed,
    name,
  });
}

/** Saves a model as model.json + weights.bin in `dir` (each file written atomically). */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(nodeFileSystem(dir));
}

/** Loads a model saved by {@link saveModel}; the error names the stage that makes it. */
export async function loadModel(dir: string, madeBy: string): Promise<tfl.LayersModel> {
  if (!existsSync(path.join(dir, 'model.json')))
    throw new Error(`${dir}/model.json is missing: run the ${madeBy} stage first`);
  return tfl.loadLayersModel(nodeFileSystem(dir));
}

/**
 * The factor image sides must be divisible by: 2^(number of poolings). Read from the graph, so it
 * also works for pruned models.
 */
export function sizeGranularity(model: tfl.LayersModel): number {
  const poolings = model.layers.filter((layer) => layer.getClassName() === 'MaxPooling2D').length;
  return 2 ** poolings;
}

/** The model's logits for one batch of normalised images; the caller disposes the result. */
export function predictLogits(model: tfl.LayersModel, images: tf.Tensor4D): tf.Tensor4D {
  const output = model.predict(images);
  if (Array.isArray(output))
    throw new Error(`model ${model.name} has ${output.length} outputs, expected 1`);
  return output as tf.Tensor4D;
}
