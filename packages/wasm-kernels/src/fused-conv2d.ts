import {
  FusedConv2D,
  type FusedConv2DAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { directConv2d } from './conv2d';
import { replacedNativeKernels, WASM_BACKEND } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/**
 * FusedConv2D (convolution + bias + activation, what `model.predict` runs) for the wasm backend:
 * with a linear or ReLU activation, a bias of one value per output channel (or none) and the
 * shapes {@link directConv2d} covers, this package's direct SIMD convolution with the bias and
 * the ReLU applied as the sums are stored; anything else (other activations, PReLU weights,
 * strides, the multi-threaded build): the native XNNPACK kernel.
 */
function fusedConv2d(args: {
  inputs: {
    x: TensorInfo;
    filter: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  backend: KernelBackend;
  attrs: FusedConv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias, preluActivationWeights } = inputs;
  const outChannels = filter.shape[3] as number;
  const supported =
    (attrs.activation === 'linear' || attrs.activation === 'relu') &&
    preluActivationWeights == null &&
    (bias == null || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === outChannels));
  const out = supported
    ? directConv2d(backend, x, filter, attrs, {
        bias:
          bias == null
            ? undefined
            : (wasmHeap(backend).typedArrayFromHeap(bias) as Float32Array).slice(),
        relu: attrs.activation === 'relu',
      })
    : null;
  return (
    out ??
    ((replacedNativeKernels.get(FusedConv2D) as KernelConfig).kernelFunc(
      args as never,
    ) as TensorInfo)
  );
}

/**
 * Kernel config of {@link fusedConv2d} for `tf.registerKernel` (replaces the native one; its
 * setup also prepares the native kernel, which it falls back to).
 */
export const fusedConv2dConfig: KernelConfig = {
  kernelName: FusedConv2D,
  backendName: WASM_BACKEND,
  setupFunc: (backend) => replacedNativeKernels.get(FusedConv2D)?.setupFunc?.(backend),
  kernelFunc: fusedConv2d as unknown as KernelFunc,
};
