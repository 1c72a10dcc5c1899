import type { backend_util, TensorInfo } from '@tensorflow/tfjs-core';
import { kernelPoolFor, POOL_MAX_CHUNKS, type PooledFunction } from './kernel-pool';
import type { KernelScope } from './kernel-scope';
import { simdKernels } from './simd-kernels';
import { wasmHeap } from './wasm-heap';

/** Multiply-adds below which the gradient stays on the calling thread, and per pooled chunk. */
const POOL_MIN_WORK = 4e6;
const CHUNK_WORK = 1e6;

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/**
 * The filter gradient of a stride-1, dilation-1 convolution, dW[kh, kw, ci, co] = sum over n, y,
 * x of xpad[n, y + kh, x + kw, ci] * dy[n, y, x, co], by a WebAssembly SIMD kernel of its own
 * (4 input x 8 output channels per pass, sums in registers).
 *
 * x is copied, zero-padded, into rows of Wp = Wo + fw - 1 pixels and dy into rows of the same
 * width (zeros past Wo), channels as they are (no PadV2 copies); then a tap's window is the
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
  const { batchSize, inHeight, inWidth, inChannels, outChannels } = info;
  const { outHeight, outWidth, filterHeight, filterWidth } = info;
  // On the multi-threaded build, the calls are spread over the thread pool in chunks, each chunk
  // summing into its own copy of dW, added up in chunk order at the end: the sums do not depend
  // on which thread ran which chunk. The kernels then work in a shared memory.
  const work =
    batchSize * outHeight * outWidth * filterHeight * filterWidth * inChannels * outChannels;
  let pool = work >= POOL_MIN_WORK ? kernelPoolFor(scope.backend) : null;
  let simd = pool == null ? null : simdKernels(true);
  if (simd == null) {
    pool = null;
    simd = simdKernels();
  }
  if (simd == null) return null;
  const { top, left } = info.padInfo;
  const vectors = outChannels <= 4 ? 1 : 2;
  const inPadded = roundUp(inChannels, 4);
  const outPadded = roundUp(outChannels, 4 * vectors);
  const rows = outHeight + filterHeight - 1;
  const width = outWidth + filterWidth - 1;
  const taps = filterHeight * filterWidth;
  // One image at a time: padded x plus a row of slack (read by windows of the last row's
  // discarded columns, always against dy's zero columns), padded dy, then the sums. Pixels keep
  // their channel counts (no channel padding, so rows copy whole): a block of 4 input or 8
  // output channels past the last channel reads the next pixel's values into sums that are never
  // copied out; 8 floats of slack keep the last pixel's reads inside.
  const xStart = 0;
  const dyStart = xStart + (rows + 1) * width * inChannels + 8;
  const outStart = dyStart + outHeight * width * outChannels + 8;
  const sumFloats = taps * inPadded * outPadded;
  // Chunks per image: ~1M multiply-adds each, their copies of dW within 16 MB.
  const copies =
    pool == null
      ? 1
      : Math.max(
          1,
          Math.min(
            Math.round(work / batchSize / CHUNK_WORK),
            Math.floor(2 ** 22 / sumFloats),
            POOL_MAX_CHUNKS,
          ),
        );
  let memory: Float32Array;
  try {
    memory = simd.reserve(outStart + copies * sumFloats);
  } catch {
    return null; // the kernels' memory cannot grow that far
  }
  memory.fill(0, outStart);
  const pooled = pool == null ? null : simd.pooled(pool);
  const calls: [PooledFunction, ...number[]][] = [];

  const heap = wasmHeap(scope.backend);
  const xs = heap.typedArrayFromHeap(x) as Float32Array;
  const dys = heap.typedArrayFromHeap(dy) as Float32Array;
  const firstColumn = Math.max(0, left);
  const lastColumn = Math.min(width, inWidth + left);
  const run =
    pooled == null
      ? vectors === 2
        ? simd.accumulate4x8
        : simd.accumulate4x4
      : (...args: number[]) => {
          calls.push([vectors === 2 ? pooled.accumulate4x8 : pooled.accumulate4x4, ...args]);
        };
  const outBlock = 4 * vectors;
  // Chunks of x and dy rows within 512 KB together (a core's L2 cache): 8k pixels at 8 + 8
  // channels, a few rows at 256 + 128 (whole images there would be re-read from memory by every
  // tap and channel block).
  const chunkRows = Math.max(1, Math.floor(131072 / ((inChannels + outChannels) * width)));
  for (let n = 0; n < batchSize; n += 1) {
    // x[n, r - top, j - left, :] -> memory[xStart + (r * width + j) * inChannels], zeros around
    // (only the padding is cleared: the copy covers the rest, and clearing it all, ~10 MB for
    // 320x480x8 + 8, costs as much as the copy).
    for (let r = 0; r < rows; r += 1) {
      const row = r - top;
      const at = xStart + r * width * inChannels;
      if (row < 0 || row >= inHeight || lastColumn <= firstColumn) {
        memory.fill(0, at, at + width * inChannels);
        continue;
      }
      const from = ((n * inHeight + row) * inWidth + firstColumn - left) * inChannels;
      memory.fill(0, at, at + firstColumn * inChannels);
      memory.set(
        xs.subarray(from, from + (lastColumn - firstColumn) * inChannels),
        at + firstColumn * inChannels,
      );
      memory.fill(0, at + lastColumn * inChannels, at + width * inChannels);
    }
    memory.fill(0, xStart + rows * width * inChannels, dyStart); // the slack row
    // dy[n, y, :, :] -> memory[dyStart + y * width * outChannels] (zeros past outWidth)
    for (let y = 0; y < outHeight; y += 1) {
      const from = (n * outHeight + y) * outWidth * outChannels;
      const at = dyStart + y * width * outChannels;
      memory.set(dys.subarray(from, from + outWidth * outChannels), at);
      memory.fill(0, at + outWidth * outChannels, at + width * outChannels);
    }
    memory.fill(0, dyStart + outHeight * width * outChannels, outStart);
    for (let y0 = 0; y0 < outHeight; y0 += chunkRows) {
      const pixels = Math.min(chunkRows, outHeight - y0) * width;
      for (let ib = 0; ib < inPadded; ib += 4) {
        for (let ob = 0; ob < outPadded; ob += outBlock) {
          const dyAt = 4 * (dyStart + y0 * width * outChannels + ob);
          for (let kh = 0; kh < filterHeight; kh += 1) {
            for (let kw = 0; kw < filterWidth; kw += 1) {
              const xAt = 4 * (xStart + ((y0 + kh) * width + kw) * inChannels + ib);
              const outAt =
                4 * (outStart + ((kh * filterWidth + kw) * inPadded + ib) * outPadded + ob);
              run(xAt, dyAt, outAt, pixels, 4 * inChannels, 4 * outChannels, 4 * outPadded);
            }
          }
        }
      }
    }
    if (pool != null) {
      // Calls in row-chunk order: a chunk of the job is a few consecutive row chunks.
      pool.run(calls, copies, { index: 2, stride: 4 * sumFloats });
      calls.length = 0;
    }
  }
  // Add up the chunks' sums into the first copy, in chunk order.
  for (let t = 1; t < copies; t += 1) {
    const from = outStart + t * sumFloats;
    for (let i = 0; i < sumFloats; i += 1) {
      memory[outStart + i] = (memory[outStart + i] as number) + (memory[from + i] as number);
    }
  }

  const result = heap.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const target = heap.typedArrayFromHeap(result) as Float32Array;
  const sums = memory.subarray(outStart, outStart + sumFloats);
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
