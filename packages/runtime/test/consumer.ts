// What a consumer writes with @crack/runtime's main exports. Type-checked by the consumer check
// (node16 .mts/.cts and bundler); never run.
import {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type InitBackendOptions,
  initBackend,
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNEL_NAMES,
} from '@crack/runtime';

export function startFastest(): Promise<BackendChoice> {
  const options: InitBackendOptions = {
    prefer: 'auto',
    logger: (message: string, choice: BackendChoice) => console.log(message, choice.threads),
  };
  return initBackend(options);
}

export function describeChoice(choice: BackendChoice): string {
  const name: BackendName = choice.backend;
  return `${name}${choice.simd ? ' SIMD' : ''} x${choice.threads}: ${choice.reason}`;
}

export function trainingKernels(): string[] {
  const known: readonly string[] = WASM_TRAINING_KERNEL_NAMES;
  return BACKEND_NAMES.includes('wasm') ? registerWasmTrainingKernels() : [...known];
}
