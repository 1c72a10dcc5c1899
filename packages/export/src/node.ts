export { type SaveOnnxOptions, saveOnnx } from './node/save-onnx';
export {
  type SaveQuantizedOptions,
  type SaveQuantizedResult,
  saveQuantized,
} from './node/save-quantized';
