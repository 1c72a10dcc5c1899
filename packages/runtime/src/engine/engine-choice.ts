/**
 * What runs a segmenter's model: 'tfjs', the model as loaded, on the active TensorFlow.js
 * backend; or 'onnxruntime', the model exported to ONNX by @crack/export and run by the optional
 * peer `onnxruntime-node` (native, multi-threaded; Node only).
 */
export type InferenceEngine = 'tfjs' | 'onnxruntime';

/** Every {@link InferenceEngine}, fastest first: the order 'auto' tries them in. */
export const INFERENCE_ENGINES: readonly InferenceEngine[] = ['onnxruntime', 'tfjs'];

/** Which {@link InferenceEngine} was chosen, and why. */
export interface EngineChoice {
  /** The engine that runs (or would run) the model. */
  engine: InferenceEngine;
  /** Human-readable reason, e.g. "onnxruntime-node 1.30.0 installed". */
  reason: string;
}
