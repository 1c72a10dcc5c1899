import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@crack/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';

/** Registers the training kernels and starts both backends once; leaves wasm active. */
export async function startBothBackends(): Promise<void> {
  registerWasmTrainingKernels();
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
