// Helpers shared by the test suites of @crack/wasm-kernels and @crack/runtime (each had its own
// copy). Sources only: the suites import them through vitest or tsx, nothing builds or publishes
// this package.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Registers the training kernels (the caller's `registerWasmTrainingKernels`: the package's
 * source in its own tests, the built package in its dependents') and starts both backends once;
 * leaves wasm active.
 */
export async function startBothBackends(registerKernels: () => void): Promise<void> {
  registerKernels();
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed');
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed');
  await tf.ready();
}

/** Switches backend (both are started already). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`${name} backend failed`);
}

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
export function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Largest |a - b| divided by the largest |b| (so 1e-4 means agreement to 1e-4 of the output's
 * scale); throws if lengths differ.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i += 1) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / Math.max(scale, 1e-12);
}

/** Weight values of a model, to rebuild it bit-identically on another backend. */
export function weightValues(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** Sets a model's weights from values taken with {@link weightValues}. */
export function setWeightValues(model: tfl.LayersModel, values: Float32Array[]): void {
  const tensors = model.getWeights().map((w, i) => tf.tensor(values[i] as Float32Array, w.shape));
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}

/** One Adam step on sigmoid cross-entropy of the logits; returns the loss before the step. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor,
  masks: tf.Tensor,
): number {
  const cost = optimizer.minimize(
    () =>
      tf.losses.sigmoidCrossEntropy(
        masks,
        model.apply(images, { training: true }) as tf.Tensor,
      ) as tf.Scalar,
    true,
  );
  const value = (cost as tf.Scalar).dataSync()[0] as number;
  cost?.dispose();
  return value;
}
