/** Node access to the bundled models' files. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_ID, findModel } from './index';

export * from './index';

/**
 * The absolute folder of a bundled model (model.json + weights.bin + README.md), default the
 * default model: pass it to `@crack/runtime/node`'s `loadSegmenter` or to
 * `tf.loadLayersModel(nodeFileSystem(dir))` of `@crack/unet/node`.
 *
 * @throws Error naming the known ids when `id` is not bundled.
 */
export function modelDirectory(id: string = DEFAULT_MODEL_ID): string {
  const model = findModel(id);
  // dist/node.js (or src/node.ts in the workspace) -> the package root's models/ folder.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return path.join(root, 'models', model.id);
}
