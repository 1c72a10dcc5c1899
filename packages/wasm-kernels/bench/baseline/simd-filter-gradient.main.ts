// The filter gradient of main before issue 15 (channels padded by PadV2), kept only so
// bench/kernels.bench.ts can time it against the current one in the same process.
import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelScope } from '../../src/kernel-scope';
import { simdKernels } from '../../src/simd-kernels';
import { wasmHeap } from '../../src/wasm-heap';

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/**
 * The filter gradient of a stride-1, dilation-1 convolution, dW[kh, kw, ci, co] = sum over n, y,
 * x of xpad[n, y + kh, x + kw, ci] * dy[n, y, x, co], by a WebAssembly SIMD kernel of its own
 * (4 input x 8 output channels per pass, sums in registers).
 *
 * x is copied, zero-padded, into rows of Wp = Wo + fw - 1 pixels and dy into rows of the same
 * width (zeros past Wo), channels padded to multiples of 4 (and 8); then a tap's window is the
 * same run of pixels in both, shifted by (kh * Wp + kw) pixels in x, so each (tap, 4 input
 * channels, 8 output channels) is one pass over a chunk of rows small enough to stay in the L2
 * cache. Nothing is packed: the XNNPACK formulations spend more time packing dy as a filter
 * (~9 ms for 320x480x8) than convolving. Returns null where WebAssembly SIMD is unavailable or
 * the kernels' memory cannot hold one padded image.
 */
export function simdFilterGradient(
  scope: KernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo | null {
  const simd = simdKernels();
  if (simd == null) return null;
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  const vectors = outChannels <= 4 ? 1 : 2;
  const inPadded = roundUp(inChannels, 4);
  const outPadded = roundUp(outChannels, 4 * vectors);
  const rows = outHeight + filterHeight - 1;
  const width = outWidth + filterWidth - 1;
  const taps = filterHeight * filterWidth;
  // One image at a time: padded x plus a row of slack (read by windows of the last row's
  // discarded columns, always against dy's zero columns), padded dy, then the sums.
  const xStart = 0;
  const dyStart = xStart + (rows + 1) * width * inPadded;
  const outStart = dyStart + outHeight * width * outPadded;
  let memory: Float32Array;
  try {
    memory = simd.reserve(outStart + taps * inPadded * outPadded);
  } catch {
    return null; // the kernels' memory cannot grow that far
  }
  memory.fill(0, outStart);

  // Channels padded by the native PadV2 (a copy loop over 3-channel pixels in TypeScript costs
  // more than the whole gradient), so that rows copy whole.
  const padChannels = (t: TensorInfo, channels: number, padded: number) =>
    padded === channels
      ? t
      : scope.run(
          'PadV2',
          { x: t },
          {
            paddings: [
              [0, 0],
              [0, 0],
              [0, 0],
              [0, padded - channels],
            ],
            constantValue: 0,
          },
        );
  const xPadded = padChannels(x, inChannels, inPadded);
  const dyPadded = padChannels(dy, outChannels, outPadded);
  const heap = wasmHeap(scope.backend);
  const xs = heap.typedArrayFromHeap(xPadded) as Float32Array;
  const dys = heap.typedArrayFromHeap(dyPadded) as Float32Array;
  const firstColumn = Math.max(0, left);
  const lastColumn = Math.min(width, inWidth + left);
  const run = vectors === 2 ? simd.accumulate4x8 : simd.accumulate4x4;
  const outBlock = 4 * vectors;
  // ~8k pixels per chunk: 256 KB of x and of dy at 8 channels, within a core's L2 cache.
  const chunkRows = Math.max(1, Math.floor(8192 / width));
  for (let n = 0; n < batchSize; n += 1) {
    memory.fill(0, xStart, outStart);
    // x[n, r - top, j - left, :] -> memory[xStart + (r * width + j) * inPadded]
    for (let r = 0; r < rows; r += 1) {
      const row = r - top;
      if (row < 0 || row >= inHeight || lastColumn <= firstColumn) continue;
      const from = ((n * inHeight + row) * inWidth + firstColumn - left) * inPadded;
      const to = xStart + (r * width + firstColumn) * inPadded;
      memory.set(xs.subarray(from, from + (lastColumn - firstColumn) * inPadded), to);
    }
    // dy[n, y, :, :] -> memory[dyStart + y * width * outPadded] (zeros past outWidth)
    for (let y = 0; y < outHeight; y += 1) {
      const from = (n * outHeight + y) * outWidth * outPadded;
      memory.set(dys.subarray(from, from + outWidth * outPadded), dyStart + y * width * outPadded);
    }
    for (let y0 = 0; y0 < outHeight; y0 += chunkRows) {
      const pixels = Math.min(chunkRows, outHeight - y0) * width;
      for (let ib = 0; ib < inPadded; ib += 4) {
        for (let ob = 0; ob < outPadded; ob += outBlock) {
          const dyAt = 4 * (dyStart + y0 * width * outPadded + ob);
          for (let kh = 0; kh < filterHeight; kh += 1) {
            for (let kw = 0; kw < filterWidth; kw += 1) {
              const xAt = 4 * (xStart + ((y0 + kh) * width + kw) * inPadded + ib);
              const outAt =
                4 * (outStart + ((kh * filterWidth + kw) * inPadded + ib) * outPadded + ob);
              run(xAt, dyAt, outAt, pixels, 4 * inPadded, 4 * outPadded, 4 * outPadded);
            }
          }
        }
      }
    }
  }

  const result = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const target = heap.typedArrayFromHeap(result) as Float32Array;
  const sums = memory.subarray(outStart);
  for (let t = 0; t < taps; t += 1) {
    for (let c = 0; c < inChannels; c += 1) {
      for (let o = 0; o < outChannels; o += 1) {
        target[(t * inChannels + c) * outChannels + o] = sums[
          (t * inPadded + c) * outPadded + o
        ] as number;
      }
    }
  }
  return result;
}
