import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { addressOf, backendMemory, moduleOnMemory } from './heap-kernels';
import { usingRelaxedSimd } from './relaxed-simd';
import { FunctionBody, I32, V128 } from './wasm-code';
import { copyRun, wasmHeap } from './wasm-heap';

/** Filter taps whose sums one call keeps in registers (x86-64 gives wasm 16 vector registers). */
const MAX_TAPS = 12;

/**
 * The shape a depthwise filter-gradient function is specialised for: channels, filter width,
 * horizontal dilation (so every tap of a filter row is a constant offset) and how many filter
 * rows one call covers.
 */
interface Shape {
  channels: number;
  filterWidth: number;
  dilationWidth: number;
  rows: number;
  fused: boolean;
}

/**
 * accumulate(x, rowStride, dy, out, columns, columnStep), addresses and strides in bytes: for one
 * output row of one image and `rows` filter rows, every 4 channels in turn,
 *
 *   out[k, kw, c] += sum over j < columns of
 *                    x[k * rowStride + j * columnStep + kw * dilationWidth * 4C + 4c] * dy[j * 4C + 4c]
 *
 * (x the zero-padded input at the output row's first tap, out the gradient at the first of the
 * call's filter rows, laid out [rows, filterWidth, C]). The rows * filterWidth sums of 4 channels
 * stay in registers along the row; they are loaded from and stored back to `out` once per row.
 */
function accumulate({ channels, filterWidth, dilationWidth, rows, fused }: Shape): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32]);
  const [x, rowStride, dy, out, columns, columnStep] = [0, 1, 2, 3, 4, 5];
  const vectorsLeft = f.local(I32);
  const columnsLeft = f.local(I32);
  const dyAt = f.local(I32);
  const rowBase = Array.from({ length: rows }, () => f.local(I32));
  const rowAt = Array.from({ length: rows }, () => f.local(I32));
  const sums = Array.from({ length: rows * filterWidth }, () => f.local(V128));
  const gradient = f.local(V128);
  const value = f.local(V128);
  const pixelBytes = 4 * channels;
  const tapBytes = pixelBytes; // out: [rows, filterWidth, C]

  f.block().get(columns).eqz().brIf(0);
  for (let k = 0; k < rows; k += 1) {
    f.get(x)
      .get(rowStride)
      .i32(k)
      .mul()
      .add()
      .set(rowBase[k] as number);
  }
  f.i32(channels / 4).set(vectorsLeft);
  f.loop(); // 4 channels at a time
  sums.forEach((sum, t) => {
    f.get(out)
      .load(t * tapBytes)
      .set(sum);
  });
  for (let k = 0; k < rows; k += 1) f.get(rowBase[k] as number).set(rowAt[k] as number);
  f.get(dy).set(dyAt).get(columns).set(columnsLeft);
  f.loop(); // output columns
  f.get(dyAt).load().set(gradient);
  for (let k = 0; k < rows; k += 1) {
    for (let kw = 0; kw < filterWidth; kw += 1) {
      f.get(rowAt[k] as number)
        .load(kw * dilationWidth * pixelBytes)
        .set(value);
      f.multiplyAdd(sums[k * filterWidth + kw] as number, value, gradient, fused);
    }
  }
  for (let k = 0; k < rows; k += 1) {
    f.get(rowAt[k] as number)
      .get(columnStep)
      .add()
      .set(rowAt[k] as number);
  }
  f.get(dyAt).i32(pixelBytes).add().set(dyAt);
  f.get(columnsLeft).i32(1).sub().tee(columnsLeft).brIf(0);
  f.end(); // output columns
  sums.forEach((sum, t) => {
    f.get(out)
      .get(sum)
      .store(t * tapBytes);
  });
  for (let k = 0; k < rows; k += 1) {
    f.get(rowBase[k] as number)
      .i32(16)
      .add()
      .set(rowBase[k] as number);
  }
  f.get(dy).i32(16).add().set(dy);
  f.get(out).i32(16).add().set(out);
  f.get(vectorsLeft).i32(1).sub().tee(vectorsLeft).brIf(0);
  f.end(); // channels
  f.end();
  return f;
}

/**
 * Copies `pixels` pixels of `channels` values from `source` (pixels `sourceStride` values apart)
 * to `target` (`targetStride` apart): one run when both are dense, else a run per pixel.
 */
function copyPixels(
  source: Float32Array,
  from: number,
  sourceStride: number,
  target: Float32Array,
  to: number,
  targetStride: number,
  pixels: number,
  channels: number,
): void {
  if (sourceStride === channels && targetStride === channels) {
    copyRun(source, from, target, to, pixels * channels);
    return;
  }
  for (let p = 0; p < pixels; p += 1) {
    copyRun(source, from + p * sourceStride, target, to + p * targetStride, channels);
  }
}

type Accumulate = (
  x: number,
  rowStride: number,
  dy: number,
  out: number,
  columns: number,
  columnStep: number,
) => void;

/** The geometry of a depthwise convolution with channel multiplier 1, as tfjs's conv info gives it. */
export interface DepthwiseFilterGradientGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  top: number;
  left: number;
}

/**
 * The filter gradient of a depthwise convolution with channel multiplier 1,
 * dW[kh, kw, c] = sum over n, y, x of x[n, y*sh + kh*dh - top, x*sw + kw*dw - left, c] * dy[n, y, x, c],
 * by this package's WebAssembly SIMD kernel: each image is copied once into a zero-padded scratch
 * buffer, then each output row is one call per group of filter rows (their sums in registers).
 * Channels not in fours are padded to fours in copies of x, dy and the sums. Returns the
 * [fh, fw, C, 1] gradient, or null where the kernel does not apply (no SIMD, filters wider than
 * 12 taps).
 *
 * Written by hand: XNNPACK has no depthwise filter gradient; the composite it replaces ran one
 * XNNPACK depthwise convolution with dy as a filter the size of the feature map, about 0.4 GMAC/s
 * (57 ms for 256x256x40, 3x3), where this streams each row through registers once.
 */
export function depthwiseFilterGradient(
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  g: DepthwiseFilterGradientGeometry,
): TensorInfo | null {
  const memory = backendMemory(backend);
  if (memory == null || g.channels === 0 || g.filterWidth > MAX_TAPS) return null;
  const C = g.channels;
  // Channels padded to fours (the lanes past C compute values nobody reads).
  const Cp = Math.ceil(C / 4) * 4;
  const rowsPerCall = Math.min(g.filterHeight, Math.floor(MAX_TAPS / g.filterWidth));
  const fused = usingRelaxedSimd();
  const groups: Array<{ first: number; rows: number; run: Accumulate }> = [];
  for (let first = 0; first < g.filterHeight; first += rowsPerCall) {
    const rows = Math.min(rowsPerCall, g.filterHeight - first);
    const shape: Shape = {
      channels: Cp,
      filterWidth: g.filterWidth,
      dilationWidth: g.dilationWidth,
      rows,
      fused,
    };
    const run = moduleOnMemory(
      memory,
      `depthwise-filter-gradient-${Cp}x${g.filterWidth}x${g.dilationWidth}x${rows}${fused ? '-fused' : ''}`,
      () => ({ accumulate: accumulate(shape) }),
      (exports) => exports.accumulate as Accumulate,
    );
    if (run == null) return null;
    groups.push({ first, rows, run });
  }

  // The scratch covers every tap of every output pixel: rows -top .. -top + padRows - 1.
  const padRows = (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1;
  const padCols = (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1;
  const heap = wasmHeap(backend);
  const scratch = heap.makeOutput([padRows, padCols, Cp], 'float32');
  const out = heap.makeOutput([g.filterHeight, g.filterWidth, C, 1], 'float32');
  // Channels not in fours: dy and the sums get a padded copy too.
  const padded = Cp !== C;
  const dyScratch = padded ? heap.makeOutput([g.outHeight, g.outWidth, Cp], 'float32') : null;
  const sums = padded ? heap.makeOutput([g.filterHeight, g.filterWidth, Cp], 'float32') : out;
  try {
    // Views after the last allocation.
    const source = heap.typedArrayFromHeap(x) as Float32Array;
    const xPadded = heap.typedArrayFromHeap(scratch) as Float32Array;
    const gradient = heap.typedArrayFromHeap(dy) as Float32Array;
    const dyPadded = dyScratch ? (heap.typedArrayFromHeap(dyScratch) as Float32Array) : null;
    const sumValues = heap.typedArrayFromHeap(sums) as Float32Array;
    sumValues.fill(0);
    const dyAddress = addressOf(backend, dyScratch ?? dy);
    const scratchAddress = addressOf(backend, scratch);
    const sumsAddress = addressOf(backend, sums);
    // The part of the scratch the input covers (the rest stays zero for every image).
    const firstRow = Math.max(0, g.top);
    const lastRow = Math.min(padRows, g.top + g.inHeight);
    const firstCol = Math.max(0, g.left);
    const lastCol = Math.min(padCols, g.left + g.inWidth);
    const rowLength = padCols * Cp;
    const rowBytes = 4 * rowLength;
    // Zero what the input does not cover, once: rows above and below it, columns left and right.
    xPadded.fill(0, 0, firstRow * rowLength);
    xPadded.fill(0, Math.max(firstRow, lastRow) * rowLength, padRows * rowLength);
    for (let r = firstRow; r < lastRow; r += 1) {
      xPadded.fill(0, r * rowLength, r * rowLength + firstCol * Cp);
      xPadded.fill(0, r * rowLength + Math.max(firstCol, lastCol) * Cp, (r + 1) * rowLength);
    }
    const dyImage = g.outHeight * g.outWidth * C;
    for (let n = 0; n < g.batchSize; n += 1) {
      if (lastCol > firstCol) {
        for (let r = firstRow; r < lastRow; r += 1) {
          const from = ((n * g.inHeight + (r - g.top)) * g.inWidth + (firstCol - g.left)) * C;
          const to = (r * padCols + firstCol) * Cp;
          copyPixels(source, from, C, xPadded, to, Cp, lastCol - firstCol, C);
        }
      }
      if (dyPadded) {
        copyPixels(gradient, n * dyImage, C, dyPadded, 0, Cp, g.outHeight * g.outWidth, C);
      }
      for (let y = 0; y < g.outHeight; y += 1) {
        const dyRow = dyAddress + 4 * ((padded ? 0 : n * g.outHeight) + y) * g.outWidth * Cp;
        for (const { first, run } of groups) {
          run(
            scratchAddress + (y * g.strideHeight + first * g.dilationHeight) * rowBytes,
            g.dilationHeight * rowBytes,
            dyRow,
            sumsAddress + 4 * first * g.filterWidth * Cp,
            g.outWidth,
            4 * g.strideWidth * Cp,
          );
        }
      }
    }
    if (padded) {
      const target = heap.typedArrayFromHeap(out) as Float32Array;
      copyPixels(sumValues, 0, Cp, target, 0, C, g.filterHeight * g.filterWidth, C);
    }
  } finally {
    backend.disposeData(scratch.dataId);
    if (dyScratch) backend.disposeData(dyScratch.dataId);
    if (sums !== out) backend.disposeData(sums.dataId);
  }
  return out;
}
