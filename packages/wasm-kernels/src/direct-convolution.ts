import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { type DirectConvolutionShape, directConvolution } from './direct-convolution-code';
import { addressOf, backendMemory, isShared, moduleOnMemory } from './heap-kernels';
import { type KernelPool, kernelPoolFor, type PooledFunction } from './kernel-pool';
import { usingRelaxedSimd } from './relaxed-simd';
import { wasmHeap } from './wasm-heap';

/**
 * A stride-1, dilation-1 convolution: out[n, y, x, o] = sum over kh, kw, c of
 * input[n, y + kh - top, x + kw - left, c] * filter[kh, kw, c, o] (zero outside the input).
 * `top` and `left` may be negative (the output starts inside the input).
 */
export interface DirectConvolutionGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  top: number;
  left: number;
}

/** Input channels up to which the kernels are used (larger layers: XNNPACK). */
export const DIRECT_CONVOLUTION_MAX_CHANNELS = 64;

/** Filter widths up to which the kernels are generated (the loop over them is unrolled). */
export const DIRECT_CONVOLUTION_MAX_FILTER_WIDTH = 7;

/** What is applied to each sum before it is stored: a bias per output channel, then ReLU. */
export interface DirectConvolutionEpilogue {
  bias?: Float32Array;
  relu?: boolean;
}

/** Output pixels computed together (their sums in registers). */
const PIXELS = 6;

type Convolve = (...args: number[]) => void;

const NAMES = ['wide8', 'wide4', 'single8', 'single4'] as const;

/** The four kernels of one (input channels, filter width): 4 or 1 pixels, 8 or 4 channels. */
interface ConvolutionKernels {
  wide8: Convolve;
  wide4: Convolve;
  single8: Convolve;
  single4: Convolve;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The same kernels loaded on a thread pool (the one they were last run on). */
  pooled?: { pool: KernelPool; fns: Record<(typeof NAMES)[number], PooledFunction> };
}

function pooledKernels(
  kernels: ConvolutionKernels,
  pool: KernelPool,
): Record<(typeof NAMES)[number], PooledFunction> {
  if (kernels.pooled?.pool !== pool) {
    const loaded = pool.load(kernels.module, kernels.memory, [...NAMES]);
    kernels.pooled = {
      pool,
      fns: Object.fromEntries(NAMES.map((name, i) => [name, loaded[i]])) as Record<
        (typeof NAMES)[number],
        PooledFunction
      >,
    };
  }
  return kernels.pooled.fns;
}

/**
 * Multiply-adds below which a convolution stays on the calling thread (waking the pool's
 * workers costs tens of microseconds), and per chunk of pooled work.
 */
const POOL_MIN_WORK = 4e6;
const CHUNK_WORK = 1e6;

function kernelsFor(
  memory: WebAssembly.Memory,
  inChannels: number,
  filterWidth: number,
): ConvolutionKernels | null {
  const fused = usingRelaxedSimd();
  const shape = (pixels: number, vectors: 1 | 2): DirectConvolutionShape => ({
    inChannels,
    filterWidth,
    pixels,
    vectors,
    fused,
  });
  // The module is kept as well: the pool's workers instantiate it on the same shared memory.
  return moduleOnMemory(
    memory,
    `direct-convolution-${inChannels}x${filterWidth}${fused ? '-fused' : ''}`,
    () => ({
      wide8: directConvolution(shape(PIXELS, 2)),
      wide4: directConvolution(shape(PIXELS, 1)),
      single8: directConvolution(shape(1, 2)),
      single4: directConvolution(shape(1, 1)),
    }),
    (exports, module) => ({
      ...(exports as unknown as Pick<ConvolutionKernels, (typeof NAMES)[number]>),
      module,
      memory,
    }),
  );
}

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

/**
 * Runs a stride-1 convolution (see {@link DirectConvolutionGeometry}) by this package's
 * WebAssembly SIMD kernel, in place on the wasm backend's heap: each image is copied once,
 * zero-padded, into a scratch buffer (rows of outWidth + fw - 1 pixels, so every tap is a fixed
 * offset), then each block of 8 (or 4) output channels of a band of rows is one call that keeps
 * the sums of 4 adjacent output pixels in registers and writes them straight into the output
 * tensor. Nothing is packed but the filter, and there is no indirection buffer: where XNNPACK
 * builds a new operator for every new filter tensor (every training step, every gradient), that
 * setup costs more than the convolution on 320x480 images.
 *
 * On the multi-threaded build the calls of each image are spread over the threads of
 * {@link kernelPoolFor} (each writes its own output rows), when there is enough work. Where
 * that build has no such pool (the kernels held to one thread by `setWasmKernelThreads(1)`, or
 * no worker_threads, as in browsers) it returns null, so XNNPACK runs the convolution on all
 * threads.
 *
 * `filter` holds [fh, fw, ci, co] values (row-major). Returns null where the kernel does not
 * apply: no WebAssembly SIMD, more than {@link DIRECT_CONVOLUTION_MAX_CHANNELS} input channels.
 */
export function runDirectConvolution(
  backend: KernelBackend,
  input: TensorInfo,
  filter: Float32Array,
  g: DirectConvolutionGeometry,
  epilogue: DirectConvolutionEpilogue = {},
): TensorInfo | null {
  const memory = backendMemory(backend);
  if (memory == null) return null;
  // On the multi-threaded build without a pool for these kernels (held to one thread by
  // setWasmKernelThreads(1), or no worker_threads: browsers), XNNPACK runs on all threads.
  const shared = isShared(memory);
  const available = shared ? kernelPoolFor(backend) : null;
  if (shared && available == null) return null;
  if (g.inChannels > DIRECT_CONVOLUTION_MAX_CHANNELS || g.inChannels < 1) return null;
  if (g.filterWidth > DIRECT_CONVOLUTION_MAX_FILTER_WIDTH || g.filterHeight < 1) return null;
  if (epilogue.bias != null && epilogue.bias.length !== g.outChannels) return null;
  const kernels = kernelsFor(memory, g.inChannels, g.filterWidth);
  if (kernels == null) return null;

  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = g;
  const { filterHeight, filterWidth, top, left } = g;
  const heap = wasmHeap(backend);
  const padded = roundUp(outChannels, 4);
  const rows = outHeight + filterHeight - 1;
  const width = outWidth + filterWidth - 1;
  const taps = filterHeight * filterWidth * inChannels;

  const out = heap.makeOutput([batchSize, outHeight, outWidth, outChannels], 'float32');
  const scratch: TensorInfo[] = [];
  const allocate = (floats: number) => {
    const info = heap.makeOutput([floats], 'float32');
    scratch.push(info);
    return info;
  };
  try {
    const xPad = allocate(rows * width * inChannels);
    const blockCount = Math.ceil(padded / 8);
    const packed = allocate(taps * padded + 12 * blockCount);
    const direct = padded === outChannels;
    const image = direct ? null : allocate(outHeight * outWidth * padded);
    // Views after the last allocation (growing the heap detaches earlier ones).
    const source = heap.typedArrayFromHeap(input) as Float32Array;
    const xs = heap.typedArrayFromHeap(xPad) as Float32Array;
    const ws = heap.typedArrayFromHeap(packed) as Float32Array;

    // Filter blocks of 8 (last one 4) output channels: [fh, fw, ci, width] each, zeros past co.
    // Then each block's epilogue: its bias values and the ReLU bound (or -Infinity).
    const blocks: { first: number; size: 4 | 8; at: number; end: number }[] = [];
    for (let first = 0, at = 0; first < padded; ) {
      const size = padded - first >= 8 ? 8 : 4;
      const end = at + taps * size;
      blocks.push({ first, size, at, end });
      for (let t = 0; t < taps; t += 1) {
        for (let o = 0; o < size; o += 1) {
          ws[at + t * size + o] =
            first + o < outChannels ? (filter[t * outChannels + first + o] as number) : 0;
        }
      }
      for (let o = 0; o < size; o += 1) {
        ws[end + o] = first + o < outChannels ? (epilogue.bias?.[first + o] ?? 0) : 0;
      }
      ws.fill(epilogue.relu ? 0 : Number.NEGATIVE_INFINITY, end + size, end + size + 4);
      at = end + size + 4;
      first += size;
    }

    const xAddress = xs.byteOffset;
    const wAddress = ws.byteOffset;
    const outBase = image == null ? addressOf(backend, out) : addressOf(backend, image);
    const xRowBytes = 4 * width * inChannels;
    const outPixelBytes = 4 * padded;
    const outRowBytes = outPixelBytes * outWidth;
    const groups = Math.floor(outWidth / PIXELS);
    const tail = outWidth - groups * PIXELS;
    // Bands of rows whose padded input (~128 KB) stays in cache across the channel blocks.
    const band = Math.max(1, Math.floor(32768 / (width * inChannels)) - filterHeight + 1);
    const firstColumn = Math.max(0, left);
    const lastColumn = Math.min(width, inWidth + left);
    const imageFloats = inHeight * inWidth * inChannels;
    const outFloats = outHeight * outWidth * outChannels;
    const work = outHeight * outWidth * padded * taps;
    const pool = work >= POOL_MIN_WORK ? available : null;
    const fns = pool == null ? null : pooledKernels(kernels, pool);
    const calls: [PooledFunction, ...number[]][] = [];

    // On a pool, each call is queued and the image's calls run together.
    const queue =
      (fn: PooledFunction): Convolve =>
      (...args: number[]) => {
        calls.push([fn, ...args]);
      };
    for (let n = 0; n < batchSize; n += 1) {
      // xPad[r, j, :] = input[n, r - top, j - left, :], zero outside.
      for (let r = 0; r < rows; r += 1) {
        const row = r - top;
        const to = r * width * inChannels;
        if (row < 0 || row >= inHeight || lastColumn <= firstColumn) {
          xs.fill(0, to, to + width * inChannels);
          continue;
        }
        const from = n * imageFloats + (row * inWidth + firstColumn - left) * inChannels;
        xs.fill(0, to, to + firstColumn * inChannels);
        xs.set(
          source.subarray(from, from + (lastColumn - firstColumn) * inChannels),
          to + firstColumn * inChannels,
        );
        xs.fill(0, to + lastColumn * inChannels, to + width * inChannels);
      }
      const outAddress = outBase + (image == null ? 4 * n * outFloats : 0);
      for (let y0 = 0; y0 < outHeight; y0 += band) {
        const count = Math.min(band, outHeight - y0);
        const x0 = xAddress + y0 * xRowBytes;
        const o0 = outAddress + y0 * outRowBytes;
        for (const block of blocks) {
          const w0 = wAddress + 4 * block.at;
          const oBlock = o0 + 4 * block.first;
          const [wide, single] =
            fns == null
              ? block.size === 8
                ? [kernels.wide8, kernels.single8]
                : [kernels.wide4, kernels.single4]
              : block.size === 8
                ? [queue(fns.wide8), queue(fns.single8)]
                : [queue(fns.wide4), queue(fns.single4)];
          const common = [
            xRowBytes,
            outRowBytes,
            outPixelBytes,
            filterHeight,
            wAddress + 4 * block.end,
          ];
          if (groups > 0) wide(x0, w0, oBlock, count, groups, ...common);
          if (tail > 0) {
            single(
              x0 + groups * PIXELS * 4 * inChannels,
              w0,
              oBlock + groups * PIXELS * outPixelBytes,
              count,
              tail,
              ...common,
            );
          }
        }
      }
      if (pool != null) {
        pool.run(calls, Math.max(1, Math.round(work / CHUNK_WORK)));
        calls.length = 0;
      }
      if (image != null) {
        // Drop the padding channels.
        const result = heap.typedArrayFromHeap(out) as Float32Array;
        const sums = heap.typedArrayFromHeap(image) as Float32Array;
        const base = n * outFloats;
        const pixels = outHeight * outWidth;
        for (let p = 0; p < pixels; p += 1) {
          for (let o = 0; o < outChannels; o += 1) {
            result[base + p * outChannels + o] = sums[p * padded + o] as number;
          }
        }
      }
    }
  } finally {
    for (const info of scratch) backend.disposeData(info.dataId);
  }
  return out;
}
