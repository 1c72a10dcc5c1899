export {
  ADAM_UPDATE,
  FusedAdamOptimizer,
  fusedAdam,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
} from '@crack/wasm-kernels';
export { BACKEND_NAMES, type BackendChoice, type BackendName } from './backend/backend-choice';
export { type InitBackendOptions, initBackend } from './backend/init-backend';
export { BACKEND_ENV_VAR, readBackendOverride } from './backend/read-backend-override';
export { registerThreadedWasm } from './backend/register-threaded-wasm';
export {
  type EngineChoice,
  INFERENCE_ENGINES,
  type InferenceEngine,
} from './engine/engine-choice';
export { ENGINE_ENV_VAR, readEngineOverride } from './engine/read-engine-override';
export {
  type CrackBoundingBox,
  type CrackMeasurement,
  type CrackMeasurements,
  type CrackTotals,
  type MeasureCracksOptions,
  measureCracks,
} from './measure/measure-cracks';
export {
  loadSegmenter,
  SEGMENTER_DEFAULTS,
  type SegmenterSource,
} from './segmenter/load-segmenter';
export { type GrayImage, maskToImage } from './segmenter/mask-to-image';
export { readModelGeometry } from './segmenter/model-geometry';
export {
  type RenderOverlayOptions,
  type RgbaImage,
  renderOverlay,
} from './segmenter/render-overlay';
export {
  type PixelRegion,
  THESIS_SIZE,
  type ThesisCrop,
  thesisCrop,
} from './segmenter/thesis-crop';
export {
  type BrowserImageSource,
  type ModelGeometry,
  type PixelImage,
  SEGMENT_MODES,
  type Segmenter,
  type SegmenterOptions,
  type SegmentInput,
  type SegmentMode,
  type SegmentOptions,
  type SegmentResult,
  type SegmentTimings,
} from './segmenter/types';
