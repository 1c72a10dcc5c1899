export { BACKEND_NAMES, type BackendChoice, type BackendName } from './backend/backend-choice';
export { type InitBackendOptions, initBackend } from './backend/init-backend';
export { BACKEND_ENV_VAR, readBackendOverride } from './backend/read-backend-override';
export { registerThreadedWasm } from './backend/register-threaded-wasm';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
} from './kernels/register-wasm-training-kernels';
