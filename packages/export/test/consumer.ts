// What a user of @crack/export writes. Type-checked only (by tsc here and by the consumer check
// under node16 ESM/CJS and bundler resolution), never run.
import {
  type ExportOnnxOptions,
  exportOnnx,
  type OnnxExport,
  type QuantizeOptions,
  quantizeArtifacts,
  withQuantization,
} from '@crack/export';
import { type SaveQuantizedResult, saveOnnx, saveQuantized } from '@crack/export/node';
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export function toOnnx(model: LayersModel): Uint8Array {
  const options: ExportOnnxOptions = { layout: 'NHWC', head: 'sigmoid' };
  const exported: OnnxExport = exportOnnx(model, options);
  for (const input of exported.inputs) console.log(input.name, input.shape.join('x'));
  console.log(exported.foldedBatchNorms.length, exported.droppedLayers.length, exported.opset);
  return exported.bytes;
}

export async function deploy(model: LayersModel, directory: string): Promise<number> {
  await saveOnnx(model, { file: `${directory}/model.onnx`, layout: 'NCHW' });
  const result: SaveQuantizedResult = await saveQuantized(model, {
    directory: `${directory}/uint8`,
    dtype: 'uint8',
  });
  return result.weightBytes;
}

export async function toBrowser(model: LayersModel, handler: tf.io.IOHandler): Promise<void> {
  const options: QuantizeOptions = { dtype: 'float16' };
  await model.save(withQuantization(handler, options));
}

export function halve(artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  return quantizeArtifacts(artifacts, { dtype: 'float16' });
}
