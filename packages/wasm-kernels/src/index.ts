export { ADAM_UPDATE, FusedAdamOptimizer, fusedAdam } from './fused-adam';
export {
  type KernelPoolStats,
  setWasmKernelThreads,
  wasmKernelThreading,
} from './kernel-pool';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
} from './register-wasm-training-kernels';
export { relaxedSimdAvailable, setWasmRelaxedSimd, usingRelaxedSimd } from './relaxed-simd';
