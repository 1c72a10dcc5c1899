import {
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input';
import { replacedNativeKernels, WASM_BACKEND } from './kernel-scope';

const trainingKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
];

/**
 * Names of the kernels {@link registerWasmTrainingKernels} installs for the wasm backend:
 * Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and
 * DepthwiseConv2dNativeBackpropInput (missing from @tensorflow/tfjs-backend-wasm 4.22, so no
 * convolutional model can train on it) and Conv2DBackpropInput (present, but a plain loop about
 * 10x slower than the forward convolution; it also runs every `conv2dTranspose`).
 */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = trainingKernels.map(
  (config) => config.kernelName,
);

/**
 * Registers the wasm training kernels (see {@link WASM_TRAINING_KERNEL_NAMES}) with
 * `tf.registerKernel`. Idempotent; a native kernel it replaces is kept and restored by
 * {@link unregisterWasmTrainingKernels}. Works before or after the wasm backend initialises.
 * {@link initBackend} calls it when it chooses wasm. Returns the names registered.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of trainingKernels) {
    const current = getKernel(config.kernelName, WASM_BACKEND);
    if (current === config) continue;
    if (current != null) {
      replacedNativeKernels.set(config.kernelName, current);
      unregisterKernel(config.kernelName, WASM_BACKEND);
    }
    registerKernel(config);
  }
  return [...WASM_TRAINING_KERNEL_NAMES];
}

/**
 * Removes the wasm training kernels and restores the native kernels they replaced (useful to
 * benchmark or test against the stock wasm backend).
 */
export function unregisterWasmTrainingKernels(): void {
  for (const config of trainingKernels) {
    if (getKernel(config.kernelName, WASM_BACKEND) !== config) continue;
    unregisterKernel(config.kernelName, WASM_BACKEND);
    const native = replacedNativeKernels.get(config.kernelName);
    if (native != null) {
      registerKernel(native);
      replacedNativeKernels.delete(config.kernelName);
    }
  }
}
