// Conv2DBackpropFilter of main before issue 15, kept only so bench/kernels.bench.ts can time it
// against the current one in the same process.
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope, WASM_BACKEND } from '../../src/kernel-scope';
import { spatialWindow } from '../../src/spatial-window';
import { wasmHeap } from '../../src/wasm-heap';
import { simdFilterGradient } from './simd-filter-gradient.main';

/**
 * Conv2DBackpropFilter for the wasm backend: the gradient of a convolution with respect to its
 * filter, dW[kh, kw, ci, co] = sum over n, y, x of x[n, y*s + kh - pt, x*s + kw - pl, ci] *
 * dy[n, y, x, co].
 *
 * Stride 1 (every convolution of the U-Net): a WebAssembly SIMD kernel of this package
 * ({@link simdFilterGradient}, ~3.5 ms on 320x480x8 -> 8), or where that cannot run (no SIMD, or
 * its memory cannot grow) one XNNPACK convolution over column segments
 * ({@link segmentedFilterGradient}, ~8.5 ms). Other strides: one XNNPACK convolution with the
 * stride as dilation ({@link dilatedFilterGradient}, ~11 ms at stride 1).
 */
function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: KernelBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dataFormat must be 'NHWC', got '${String(dataFormat)}'`,
    );
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const scope = new KernelScope(backend);
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    const simd = simdFilterGradient(scope, x, dy, info);
    if (simd != null) return scope.dispose(simd);
    return scope.dispose(segmentedFilterGradient(scope, x, dy, info));
  }
  return scope.dispose(dilatedFilterGradient(scope, x, dy, info));
}

/**
 * Stride 1: one XNNPACK convolution whose long contraction is split into channels. With
 * dy [Ho, Wo, co] cut into rows of A segments of G columns (column = a*G + g) it is the filter
 * [Ho, A, G, co], taps (y, a), G input channels; each input channel plane of x, shifted by kw
 * columns, padded and cut the same way, is one image [Ho + fh - 1, A, G]; the fw * ci images
 * give the output [fw * ci, fh, 1, co]. On 320x480x8 -> 8 this takes ~8.5 ms against ~11 ms for
 * {@link dilatedFilterGradient}, whose indirection buffer (one pointer per output pixel and dy
 * pixel, 44 MB there) and single-channel taps are what it avoids; 16->8 at full resolution
 * ~18 ms against ~22 ms. Batches are summed image by image.
 */
function segmentedFilterGradient(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const segment = segmentWidth(outWidth);
  const segments = Math.ceil(outWidth / segment);
  const width = segments * segment;
  const rows = outHeight + filterHeight - 1;
  const perImage: TensorInfo[] = [];
  for (let n = 0; n < batchSize; n += 1) {
    const image = scope.reshape(
      batchSize === 1 ? x : scope.slice(x, [n, 0, 0, 0], [1, inHeight, inWidth, inChannels]),
      [inHeight, inWidth, inChannels],
    );
    let gradient =
      batchSize === 1 ? dy : scope.slice(dy, [n, 0, 0, 0], [1, outHeight, outWidth, outChannels]);
    if (width > outWidth) {
      gradient = scope.run(
        'PadV2',
        { x: gradient },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, width - outWidth],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
    }
    const planes = shiftedPlanes(scope, image, filterWidth, rows, width, top, left);
    perImage.push(
      scope.run(
        'Conv2D',
        {
          x: scope.reshape(planes, [filterWidth * inChannels, rows, segments, segment]),
          filter: scope.reshape(gradient, [outHeight, segments, segment, outChannels]),
        },
        { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC' },
      ),
    );
  }
  const sum = batchSize === 1 ? (perImage[0] as TensorInfo) : scope.run('AddN', perImage as never);
  // [kw, ci, kh, co] -> [kh, kw, ci, co]
  return scope.transpose(
    scope.reshape(sum, [filterWidth, inChannels, filterHeight, outChannels]),
    [2, 0, 1, 3],
  );
}

/**
 * Columns per segment for {@link segmentedFilterGradient}: 16-32 channels suit XNNPACK's
 * kernels; among those, one that divides the width wastes no zero columns.
 */
function segmentWidth(width: number): number {
  const candidates = [24, 16, 20, 32, 12, 28, 8];
  let best = candidates[0] as number;
  let waste = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const padding = Math.ceil(width / candidate) * candidate - width;
    if (padding < waste) {
      best = candidate;
      waste = padding;
    }
  }
  return best;
}

/**
 * planes[k, c, r, j] = image[r - top, j + k - left, c] (zero outside the image) for k < shifts,
 * r < rows, j < width: every channel plane of an [H, W, C] image, shifted left by k columns and
 * padded. The channel-major copy comes from the Transpose kernel; the shifted rows are copied
 * whole.
 */
function shiftedPlanes(
  scope: KernelScope,
  image: TensorInfo,
  shifts: number,
  rows: number,
  width: number,
  top: number,
  left: number,
): TensorInfo {
  const [height, imageWidth, channels] = image.shape as [number, number, number];
  const heap = wasmHeap(scope.backend);
  const planar = scope.transpose(image, [2, 0, 1]);
  const out = scope.track(heap.makeOutput([shifts * channels, rows, width], 'float32'));
  const source = heap.typedArrayFromHeap(planar);
  const target = heap.typedArrayFromHeap(out);
  let to = 0;
  for (let k = 0; k < shifts; k += 1) {
    const first = Math.min(width, Math.max(0, left - k));
    const last = Math.max(first, Math.min(width, imageWidth + left - k));
    for (let c = 0; c < channels; c += 1) {
      for (let r = 0; r < rows; r += 1) {
        const row = r - top;
        if (row < 0 || row >= height || last === first) {
          target.fill(0, to, to + width);
        } else {
          const from = (c * height + row) * imageWidth + first + k - left;
          target.fill(0, to, to + first);
          target.set(source.subarray(from, from + last - first), to + first);
          target.fill(0, to + last, to + width);
        }
        to += width;
      }
    }
  }
  return out;
}

/**
 * Any stride: take the input's channels as the batch and its batch as the channels
 * (x' = [ci, H, W, N]), the output gradient as the filter (dy' = [Ho, Wo, N, co]), the forward
 * stride as the dilation, and pad so the result is kh x kw; the output [ci, kh, kw, co] is
 * transposed to [kh, kw, ci, co]. On a 320x480x8 -> 8 layer this takes ~11 ms against ~230 ms
 * for the cpu backend's loop and ~33 ms for an im2col + matmul formulation.
 */
function dilatedFilterGradient(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;

  // Rows of x a window ever reads end at (kh-1) + (Ho-1)*s; anything past is cropped, anything
  // missing is the bottom zero padding.
  const rows = spatialWindow(
    inHeight,
    info.padInfo.top,
    filterHeight + (outHeight - 1) * strideHeight - inHeight - info.padInfo.top,
  );
  const cols = spatialWindow(
    inWidth,
    info.padInfo.left,
    filterWidth + (outWidth - 1) * strideWidth - inWidth - info.padInfo.left,
  );

  const input = scope.slice(
    scope.transpose(x, [3, 1, 2, 0]),
    [0, rows.begin, cols.begin, 0],
    [inChannels, rows.size, cols.size, batchSize],
  );
  const filter = scope.transpose(dy, [1, 2, 0, 3]);
  const grad = scope.run(
    'Conv2D',
    { x: input, filter },
    {
      strides: [1, 1],
      dilations: [strideHeight, strideWidth],
      pad: [
        [0, 0],
        [rows.padBefore, rows.padAfter],
        [cols.padBefore, cols.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  // [ci, kh, kw, co] -> [kh, kw, ci, co]
  return scope.transpose(grad, [1, 2, 0, 3]);
}

/** Kernel config of {@link conv2DBackpropFilter} for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM_BACKEND,
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
