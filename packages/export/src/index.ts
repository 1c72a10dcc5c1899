export { exportOnnx, ONNX_OPSET } from './onnx/export-onnx';
export type {
  ExportOnnxOptions,
  OnnxExport,
  OnnxHead,
  OnnxLayout,
  OnnxTensorInfo,
} from './onnx/types';
export { FLOAT16_MAX, float16Bits, float16Value } from './quantize/float16';
export {
  type QuantizationDtype,
  type QuantizeOptions,
  quantizeArtifacts,
  uint8Affine,
  withQuantization,
} from './quantize/quantize-weights';
