import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFileSystem } from '@crack/unet/node';
import type { io } from '@tensorflow/tfjs-core';

/**
 * Turns a model location given on the command line or in Node code into something
 * `tf.loadLayersModel` can load: an `http(s)://` URL is kept; a `file://` URL, a folder holding
 * `model.json`, or the path of a model.json file (any name) becomes an IO handler reading the
 * tfjs layout (model.json + the weight files its manifest lists, relative to it) from disk,
 * with @crack/unet's `nodeFileSystem`. Node only.
 *
 * @throws Error naming the path when nothing is there, or a folder has no model.json.
 */
export function nodeModelSource(source: string, caller = 'loadSegmenter'): string | io.IOHandler {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new TypeError(
      `${caller}: the model path must be a non-empty string, got ${String(source)}`,
    );
  }
  if (/^https?:\/\//i.test(source)) return source;
  const file = source.startsWith('file://') ? fileURLToPath(source) : source;
  if (!existsSync(file)) {
    throw new Error(
      `${caller}: no model at ${file} (give a folder holding model.json, the model.json file, or an http(s) URL)`,
    );
  }
  if (statSync(file).isDirectory()) {
    if (!existsSync(path.join(file, 'model.json'))) {
      throw new Error(`${caller}: the folder ${file} has no model.json`);
    }
    return nodeFileSystem(file);
  }
  return nodeFileSystem(path.dirname(file), { modelFileName: path.basename(file) });
}
