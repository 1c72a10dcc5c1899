// Starts the backends with this package's training kernels; the rest is @crack/test-helpers'.
import { startBothBackends as startWith } from '@crack/test-helpers';
import { registerWasmTrainingKernels } from '@crack/wasm-kernels';

export { randomValues, relativeError, useBackend } from '@crack/test-helpers';

/** Registers the training kernels and starts both backends once; leaves wasm active. */
export const startBothBackends = (): Promise<void> => startWith(registerWasmTrainingKernels);
