import {
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type DirectConvolutionEpilogue, runDirectConvolution } from './direct-convolution';
import { replacementConfig, runNative } from './kernel-scope';
import { wasmHeap } from './wasm-heap';

/**
 * A convolution by this package's direct SIMD kernel ({@link runDirectConvolution}), with the
 * epilogue (bias, ReLU) fused; null where that kernel does not apply (not NHWC float32, a stride
 * or dilation other than 1, more than 64 input channels, the multi-threaded build with the kernels
 * held to one thread by `setWasmKernelThreads(1)`), so the caller
 * runs the native kernel.
 */
export function directConv2d(
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
  epilogue: DirectConvolutionEpilogue = {},
): TensorInfo | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
  if (
    backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast' ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32' ||
    x.shape.length !== 4 ||
    filter.shape.length !== 4
  ) {
    return null;
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  if (
    info.strideHeight !== 1 ||
    info.strideWidth !== 1 ||
    info.dilationHeight !== 1 ||
    info.dilationWidth !== 1
  ) {
    return null;
  }
  const weights = (wasmHeap(backend).typedArrayFromHeap(filter) as Float32Array).slice();
  return runDirectConvolution(
    backend,
    x,
    weights,
    {
      batchSize: info.batchSize,
      inHeight: info.inHeight,
      inWidth: info.inWidth,
      inChannels: info.inChannels,
      outHeight: info.outHeight,
      outWidth: info.outWidth,
      outChannels: info.outChannels,
      filterHeight: info.filterHeight,
      filterWidth: info.filterWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
    },
    epilogue,
  );
}

/**
 * Conv2D for the wasm backend. Stride 1, dilation 1, NHWC, float32, input x output channels up
 * to 256 (a small U-Net's full- and half-resolution 3x3 convolutions, and the 1x1 convolutions
 * this package's kernels run): this package's WebAssembly SIMD direct convolution
 * ({@link directConv2d}), on the multi-threaded build on all its threads. Everything else, and
 * the multi-threaded build with the kernels held to one thread: the native XNNPACK
 * kernel.
 *
 * The native kernel caches one XNNPACK operator per filter tensor; a training step brings new
 * filter tensors, so every convolution of it builds a new operator, whose indirection buffer
 * (one pointer per output pixel and tap) costs ~5-10 ms on a 320x480 image, about as much as the
 * convolution itself. The direct kernel needs no setup; its convolution alone is within ~10% of
 * XNNPACK's.
 */
function conv2d(args: {
  inputs: { x: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: Conv2DAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs;
  const products = (filter.shape[2] as number) * (filter.shape[3] as number);
  const out =
    products <= DIRECT_CONV2D_MAX_CHANNEL_PRODUCT ? directConv2d(backend, x, filter, attrs) : null;
  return out ?? runNative(Conv2D, args);
}

/**
 * Input x output channels up to which Conv2D runs the direct kernel. XNNPACK's setup for a new
 * filter grows with pixels x taps, its convolution with pixels x taps x channels, so the setup
 * matters less the more channels: measured on 3x3 convolutions with a new filter tensor each
 * call (bench/kernels.bench.ts), the direct kernel takes 0.44x XNNPACK's time on 320x480 3->8,
 * 0.66x on 8->8, 0.77x on 16->8 and 8->16, about the same on 16->16 and 32->16, and 1.05-1.07x on
 * 16->32 and 32->32 at 80x120.
 */
const DIRECT_CONV2D_MAX_CHANNEL_PRODUCT = 256;

/**
 * Kernel config of {@link conv2d} for `tf.registerKernel` (replaces the native one; its setup
 * also prepares the native kernel, which it falls back to).
 */
export const conv2dConfig: KernelConfig = replacementConfig(
  Conv2D,
  conv2d as unknown as KernelFunc,
);
