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
import { sharedHeap } from './heap-kernels';
import { replacementConfig, runNative } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/**
 * FusedConv2D (convolution + bias + activation, what `model.predict` runs) for the wasm backend.
 * Where XNNPACK is weak (fewer than 4 output channels, as in a segmentation head, or 1 input
 * channel: ~0.8x its time on 320x480 8->1 and 1->8), with a linear or ReLU activation, a bias of
 * one value per output channel (or none) and the shapes {@link directConv2d} covers: this
 * package's direct SIMD convolution, the bias and the ReLU applied as the sums are stored.
 * Anything else: the native XNNPACK kernel, whose operator is cached per filter tensor (a model's
 * weights), so it pays its setup once and convolves ~5-10% faster than the direct kernel.
 * With relaxed SIMD's fused multiply-add the direct kernel was 3-6 % faster than XNNPACK on the
 * U-Nets' 1-thread forward in most processes, but 20-80 % slower in about one process of six
 * (the whole process, every call; the same buffer alignment in fast and slow ones; cause not
 * found; later the same day main's XNNPACK forward had such slow processes too, so they may not
 * be the direct kernel's), so XNNPACK keeps these shapes either way (tried and reverted 2026-11-30;
 * docs/results/speed-2026-11-30-fused-direct-relaxed.jsonl in the repository).
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
  const inChannels = filter.shape[2] as number;
  const outChannels = filter.shape[3] as number;
  const supported =
    (outChannels < 4 || inChannels === 1) &&
    !sharedHeap(backend) &&
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
  return out ?? runNative(FusedConv2D, args);
}

/**
 * Kernel config of {@link fusedConv2d} for `tf.registerKernel` (replaces the native one; its
 * setup also prepares the native kernel, which it falls back to).
 */
export const fusedConv2dConfig: KernelConfig = replacementConfig(
  FusedConv2D,
  fusedConv2d as unknown as KernelFunc,
);
