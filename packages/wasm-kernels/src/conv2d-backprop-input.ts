import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope, replacementConfig } from './kernel-scope';
import { spatialWindow } from './spatial-window';
import { wasmHeap } from './wasm-heap';
import { zeroInsert } from './zero-insert';

/**
 * Conv2DBackpropInput for the wasm backend, replacing the native one, which is a plain C++ loop
 * (~70 ms on a 320x480x8 -> 8 layer against ~7 ms for the XNNPACK forward convolution). It is
 * both the input gradient of every convolution and the forward pass of `conv2dTranspose`.
 *
 * - Transposed convolution whose kernel equals its stride with no padding (the U-Net's 2x2
 *   stride-2 up-convolution): every output pixel receives exactly one tap, so the result is one
 *   matmul dy [N*Ho*Wo, co] x W^T [co, kh*kw*ci] (run as a 1x1 convolution) whose columns are
 *   then interleaved into the kh x kw blocks of the output.
 * - Otherwise: spread dy onto the stride-1 grid (zeros between rows and columns when the stride
 *   is > 1) and correlate it with the spatially flipped, channel-swapped filter using the wasm
 *   Conv2D kernel (XNNPACK), padding (kh - 1 - top) before and what makes the output H after.
 */
function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(
      `Conv2DBackpropInput (wasm): dataFormat must be 'NHWC', got '${String(dataFormat)}'`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  const scope = new KernelScope(backend);

  const oneTapPerPixel =
    filterHeight === strideHeight &&
    filterWidth === strideWidth &&
    top === 0 &&
    left === 0 &&
    inHeight === outHeight * strideHeight &&
    inWidth === outWidth * strideWidth;
  if (oneTapPerPixel) {
    // A 1x1 convolution is the fastest matmul here: XNNPACK's, where the wasm BatchMatMul with a
    // transposed operand and DepthToSpace are plain loops (~40 and ~80 ms on the U-Net's
    // 160x240 up-convolution against ~6 ms for the 1x1 convolution).
    const taps = filterHeight * filterWidth * inChannels;
    const pointwise = scope.reshape(scope.transpose(filter, [3, 0, 1, 2]), [
      1,
      1,
      outChannels,
      taps,
    ]);
    const product = scope.run(
      'Conv2D',
      { x: dy, filter: pointwise },
      { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC' },
    );
    const blocks = scope.reshape(product, [
      batchSize,
      outHeight,
      outWidth,
      filterHeight,
      filterWidth,
      inChannels,
    ]);
    const interleaved = scope.transpose(blocks, [0, 1, 3, 2, 4, 5]);
    return scope.dispose(scope.reshape(interleaved, [batchSize, inHeight, inWidth, inChannels]));
  }

  // dx[i] = sum_k spread[i + top - k] W[k]: a correlation with the flipped filter, padded by
  // (kh - 1 - top) before; the spread gradient has Ho*s rows, the output needs H.
  const spread = zeroInsert(scope, dy, strideHeight, strideWidth);
  const rows = spatialWindow(
    outHeight * strideHeight,
    filterHeight - 1 - top,
    inHeight + top - outHeight * strideHeight,
  );
  const cols = spatialWindow(
    outWidth * strideWidth,
    filterWidth - 1 - left,
    inWidth + left - outWidth * strideWidth,
  );
  const flipped = flippedFilter(scope, filter);
  const dx = scope.run(
    'Conv2D',
    {
      x: scope.slice(
        spread,
        [0, rows.begin, cols.begin, 0],
        [batchSize, rows.size, cols.size, outChannels],
      ),
      filter: flipped,
    },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [rows.padBefore, rows.padAfter],
        [cols.padBefore, cols.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  return scope.dispose(dx);
}

/**
 * The filter of the input gradient's correlation: W'[kh, kw, o, c] = W[fh-1-kh, fw-1-kw, c, o]
 * (spatially flipped, channels swapped), by one loop. The native Reverse kernel this replaces
 * takes ~28 ms on a 3x3x256x256 filter, a tenth of the whole input gradient.
 */
function flippedFilter(scope: KernelScope, filter: TensorInfo): TensorInfo {
  const [fh, fw, ci, co] = filter.shape as [number, number, number, number];
  const heap = wasmHeap(scope.backend);
  const out = scope.track(heap.makeOutput([fh, fw, co, ci], 'float32'));
  const source = heap.typedArrayFromHeap(filter) as Float32Array;
  const target = heap.typedArrayFromHeap(out) as Float32Array;
  for (let kh = 0; kh < fh; kh += 1) {
    for (let kw = 0; kw < fw; kw += 1) {
      const from = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * ci * co;
      const to = (kh * fw + kw) * co * ci;
      for (let c = 0; c < ci; c += 1) {
        for (let o = 0; o < co; o += 1) {
          target[to + o * ci + c] = source[from + c * co + o] as number;
        }
      }
    }
  }
  return out;
}

/**
 * Kernel config of {@link conv2DBackpropInput} for `tf.registerKernel`. Its setup also prepares
 * the native kernel it replaces, so the replacement works whether it is registered before or
 * after the wasm backend initialises.
 */
export const conv2DBackpropInputConfig: KernelConfig = replacementConfig(
  Conv2DBackpropInput,
  conv2DBackpropInput as unknown as KernelFunc,
);
