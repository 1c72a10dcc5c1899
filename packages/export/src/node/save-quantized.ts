/** {@link saveQuantized}: a tfjs model saved to a folder with quantized weights. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { nodeFileSystem } from '@crack/unet/node';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type QuantizeOptions, withQuantization } from '../quantize/quantize-weights';

/** Options of {@link saveQuantized}. */
export interface SaveQuantizedOptions extends QuantizeOptions {
  /** Folder to write model.json and weights.bin into (created if missing). Required. */
  directory: string;
}

/** What {@link saveQuantized} wrote. */
export interface SaveQuantizedResult {
  /** Path of the model.json written. */
  modelFile: string;
  /** Path of the weights file written. */
  weightsFile: string;
  /** Size of the weights file in bytes. */
  weightBytes: number;
}

/**
 * Saves `model` in the standard tfjs layout (model.json + weights.bin) with every float32 weight
 * quantized to `options.dtype` ('float16' or 'uint8'); each file is written to a temporary name
 * and renamed into place. Load it back with `tf.loadLayersModel` and any handler that reads
 * that folder (e.g. `nodeFileSystem(directory)` from `@crack/unet/node`, or over HTTP in a browser).
 */
export async function saveQuantized(
  model: LayersModel,
  options: SaveQuantizedOptions,
): Promise<SaveQuantizedResult> {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`saveQuantized: options must be an object, got ${String(options)}`);
  }
  const { directory, ...quantize } = options;
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new TypeError(
      `saveQuantized: directory must be a non-empty path, got ${String(directory)}`,
    );
  }
  await model.save(withQuantization(nodeFileSystem(directory), quantize));
  const weightsFile = path.join(directory, 'weights.bin');
  return {
    modelFile: path.join(directory, 'model.json'),
    weightsFile,
    weightBytes: (await stat(weightsFile)).size,
  };
}
