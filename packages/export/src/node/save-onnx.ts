/** {@link saveOnnx}: {@link exportOnnx} to a file, written atomically. */
import { writeFileAtomic } from '@crack/data/node';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { exportOnnx } from '../onnx/export-onnx';
import type { ExportOnnxOptions, OnnxExport } from '../onnx/types';

/** Options of {@link saveOnnx}: where to write, and every option of {@link exportOnnx}. */
export interface SaveOnnxOptions extends ExportOnnxOptions {
  /** Path of the `.onnx` file to write (its folder is created). Required. */
  file: string;
}

/**
 * Exports `model` to ONNX ({@link exportOnnx}) and writes it to `options.file`: to a temporary
 * file beside it first, then renamed, so the path never holds a half-written model. Returns what
 * {@link exportOnnx} returns.
 */
export async function saveOnnx(model: LayersModel, options: SaveOnnxOptions): Promise<OnnxExport> {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`saveOnnx: options must be an object with a file, got ${String(options)}`);
  }
  const { file, ...exportOptions } = options;
  if (typeof file !== 'string' || file.length === 0) {
    throw new TypeError(`saveOnnx: file must be a non-empty path, got ${String(file)}`);
  }
  const exported = exportOnnx(model, exportOptions);
  await writeFileAtomic(file, exported.bytes);
  return exported;
}
