import {
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Tile,
  type TileAttrs,
  util,
} from '@tensorflow/tfjs-core';
import { replacementConfig, runNative } from './kernel-scope';
import { copyRun, wasmHeap } from './wasm-heap';

/**
 * Tile for the wasm backend, by block copies. The native kernel computes every output element's
 * source index (~30 ns an element): the batch-norm gradient tiles a [1, 1, 1, C] vector over the
 * whole feature map, 64 ms for 256x256x32, about a third of a MobileNetV2 encoder's training step.
 * Here x is placed once at repetition 0 of every axis, then the axes are filled from the innermost
 * out: under each index prefix, the filled run is doubled with `copyWithin` until the axis holds
 * all its repetitions (memmove speed). Strings and complex numbers run the native kernel.
 */
function tile(args: {
  inputs: { x: TensorInfo };
  backend: KernelBackend;
  attrs: TileAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rank = x.shape.length;
  if (x.dtype === 'string' || x.dtype === 'complex64' || rank === 0) {
    return runNative(Tile, args);
  }
  const shape = x.shape;
  const reps = attrs.reps;
  const outShape = shape.map((size, axis) => size * (reps[axis] as number));
  const heap = wasmHeap(backend);
  const out = heap.makeOutput(outShape, x.dtype);
  if (util.sizeFromShape(outShape) === 0) return out;
  // Views after the last allocation (an allocation can grow the heap and detach them).
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  // Element strides of every output axis (util.computeStrides leaves out the last one).
  const outStrides = [...util.computeStrides(outShape), 1];
  const last = rank - 1;
  const runLength = shape[last] as number;

  // Every output index prefix (axes before `axis`) at repetition 0: calls `visit(offset)` with
  // its offset in the output, in order. An odometer over shape[0..axis).
  const forEachPrefix = (axis: number, visit: (offset: number, ordinal: number) => void) => {
    const index = new Array<number>(axis).fill(0);
    let offset = 0;
    const count = util.sizeFromShape(shape.slice(0, axis));
    for (let ordinal = 0; ordinal < count; ordinal += 1) {
      visit(offset, ordinal);
      for (let a = axis - 1; a >= 0; a -= 1) {
        const next = (index[a] as number) + 1;
        const stride = outStrides[a] as number;
        if (next < (shape[a] as number)) {
          index[a] = next;
          offset += stride;
          break;
        }
        index[a] = 0;
        offset -= (next - 1) * stride;
      }
    }
  };

  // x's rows (its last axis) at repetition 0 of every axis.
  forEachPrefix(last, (offset, row) => copyRun(source, row * runLength, target, offset, runLength));
  // Axis by axis from the innermost: under each prefix the block for indices [0, shape[axis])
  // of this axis (its inner axes already complete) is contiguous; repeat it reps[axis] times.
  for (let axis = last; axis >= 0; axis -= 1) {
    const repeats = reps[axis] as number;
    if (repeats === 1) continue;
    const block = (shape[axis] as number) * (outStrides[axis] as number);
    const total = block * repeats;
    forEachPrefix(axis, (offset) => {
      let filled = block;
      while (filled < total) {
        const length = Math.min(filled, total - filled);
        target.copyWithin(offset + filled, offset, offset + length);
        filled += length;
      }
    });
  }
  return out;
}

/**
 * Kernel config of {@link tile} for `tf.registerKernel` (replaces the native one; its setup also
 * prepares the native kernel, which it falls back to).
 */
export const tileConfig: KernelConfig = replacementConfig(Tile, tile as unknown as KernelFunc);
