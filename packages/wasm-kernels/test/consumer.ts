// What a user of @crack/wasm-kernels writes. Type-checked only (by tsc here and by the consumer
// check under node16 ESM/CJS and bundler resolution), never run.
import {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
} from '@crack/wasm-kernels';

export function enableTraining(): string[] {
  const registered: string[] = registerWasmTrainingKernels();
  const missing = WASM_TRAINING_KERNEL_NAMES.filter((name) => !registered.includes(name));
  if (missing.length > 0) console.warn('not registered:', missing.join(', '));
  return registered;
}

export function restoreNative(): void {
  unregisterWasmTrainingKernels();
}
