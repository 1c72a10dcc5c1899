import type { EngineChoice } from '../engine/engine-choice';

/** A TensorFlow.js backend @crack/runtime can run on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Every {@link BackendName}, fastest first: the order {@link initBackend} tries them in. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** What {@link initBackend} chose, and why. */
export interface BackendChoice {
  /** The active backend (`tf.getBackend()`). */
  backend: BackendName;
  /** Human-readable reason, e.g. "tfjs-node not installed; wasm SIMD available". */
  reason: string;
  /** Whether the wasm backend runs its SIMD build (false for other backends). */
  simd: boolean;
  /** Threads the backend computes with (1 for wasm in Node and for cpu). */
  threads: number;
  /** Kernels @crack/runtime registered for this backend (the wasm training kernels). */
  kernels: string[];
  /**
   * The inference engine `loadSegmenter` will use with the same `engine` preference
   * (onnxruntime-node when installed, else tfjs), and why. Training always runs on `backend`.
   */
  engine: EngineChoice;
}
