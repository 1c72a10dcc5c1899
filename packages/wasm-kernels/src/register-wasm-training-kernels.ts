import {
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { addConfig } from './add';
import { batchNormConfig } from './batch-norm';
import { concatConfig } from './concat';
import { conv2dConfig } from './conv2d';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input';
import { adamUpdateConfig } from './fused-adam';
import { fusedConv2dConfig } from './fused-conv2d';
import { castConfig, identityConfig } from './identity';
import { replacedNativeKernels, WASM_BACKEND } from './kernel-scope';
import { maxPoolGradConfig } from './max-pool-grad';
import { scalarBinaryConfigs } from './scalar-binary';
import { sliceConfig } from './slice';
import { splitVConfig } from './split-v';
import { sumConfig } from './sum';
import { tileConfig } from './tile';

const trainingKernels: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  maxPoolGradConfig,
  adamUpdateConfig,
];

/**
 * Faster replacements for native wasm kernels a training step leans on; each falls back to the
 * native kernel for the cases it does not cover (strings, dtype changes), so each is installed
 * only over a native kernel that is there.
 */
const replacementKernels: readonly KernelConfig[] = [
  conv2dConfig,
  fusedConv2dConfig,
  addConfig,
  sumConfig,
  sliceConfig,
  splitVConfig,
  concatConfig,
  identityConfig,
  castConfig,
  tileConfig,
  ...scalarBinaryConfigs,
  batchNormConfig,
];

/**
 * Names of the kernels {@link registerWasmTrainingKernels} installs for the wasm backend:
 * Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and
 * DepthwiseConv2dNativeBackpropInput (missing from @tensorflow/tfjs-backend-wasm 4.22, so no
 * convolutional model can train on it), Conv2DBackpropInput (present, but a plain loop about
 * 10x slower than the forward convolution; it also runs every `conv2dTranspose`), MaxPoolGrad
 * (present, ~7x slower than a loop in TypeScript), Conv2D and FusedConv2D (present, but XNNPACK
 * builds an operator for every new filter tensor, i.e. for every convolution of a training step;
 * replaced by a direct SIMD convolution where that is faster), and Slice, SplitV, Concat,
 * Identity and Cast (present, but copying where they need not, or in runs too short for
 * `TypedArray.set`), Tile (present, ~30 ns an element; here block copies: batch norm's gradient
 * tiles a channel vector over every feature map), Minimum, Maximum, Greater, GreaterEqual, Less
 * and LessEqual against a scalar (present, but on a general broadcasting path: ReLU6 and its
 * gradient), FusedBatchNorm (present, a per-element loop; here one multiply-add per element with
 * per-channel factors), and CrackAdamUpdate (new: one Adam step of one variable, for {@link fusedAdam}).
 */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  ...trainingKernels,
  ...replacementKernels,
].map((config) => config.kernelName);

/**
 * Registers the wasm training kernels (see {@link WASM_TRAINING_KERNEL_NAMES}) with
 * `tf.registerKernel`, so `model.fit`, `optimizer.minimize` and `tf.grad` work on the wasm
 * backend of `@tensorflow/tfjs-backend-wasm` (4.x). Idempotent; a native kernel it replaces is
 * kept and restored by {@link unregisterWasmTrainingKernels}. Works before or after the wasm
 * backend initialises, on its single- and multi-threaded builds. Returns the names registered.
 *
 * @example
 * import '@tensorflow/tfjs-backend-wasm';
 * import * as tf from '@tensorflow/tfjs';
 * import { registerWasmTrainingKernels } from '@crack/wasm-kernels';
 *
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * await model.fit(xs, ys); // a CNN now trains on wasm
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of [...trainingKernels, ...replacementKernels]) {
    const current = getKernel(config.kernelName, WASM_BACKEND);
    if (current === config) continue;
    if (current == null && replacementKernels.includes(config)) continue;
    if (current != null) {
      replacedNativeKernels.set(config.kernelName, current);
      unregisterKernel(config.kernelName, WASM_BACKEND);
    }
    registerKernel(config);
  }
  return [...trainingKernels, ...replacementKernels]
    .filter((config) => getKernel(config.kernelName, WASM_BACKEND) === config)
    .map((config) => config.kernelName);
}

/**
 * Removes the wasm training kernels and restores the native kernels they replaced (useful to
 * benchmark or test against the stock wasm backend).
 */
export function unregisterWasmTrainingKernels(): void {
  for (const config of [...trainingKernels, ...replacementKernels]) {
    if (getKernel(config.kernelName, WASM_BACKEND) !== config) continue;
    unregisterKernel(config.kernelName, WASM_BACKEND);
    const native = replacedNativeKernels.get(config.kernelName);
    if (native != null) {
      registerKernel(native);
      replacedNativeKernels.delete(config.kernelName);
    }
  }
}
