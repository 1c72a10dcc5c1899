import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { encodeModule, FunctionBody, I32, V128 } from './wasm-code';

/**
 * columnSums(src, dst, rows, rowBytes, vectors): dst[0 : 4 * vectors] = sum over r < rows of
 * src[r * rowBytes : ...] (byte addresses; f32x4 lanes).
 */
function columnSums(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32]);
  const [src, dst, rows, rowBytes, vectors] = [0, 1, 2, 3, 4];
  const [column, row, left] = [f.local(I32), f.local(I32), f.local(I32)];
  const [even, odd] = [f.local(V128), f.local(V128)];
  f.block().get(vectors).eqz().brIf(0).get(rows).eqz().brIf(0);
  f.loop(); // column vectors
  f.constF32x4(0).set(even).constF32x4(0).set(odd);
  f.get(src).set(row).get(rows).set(left);
  // Two accumulators (even and odd rows) halve the dependency chain of the adds.
  f.block().get(left).i32(2).ltU().brIf(0);
  f.loop();
  f.get(even).get(row).load().addF32x4().set(even);
  f.get(odd).get(row).get(rowBytes).add().load().addF32x4().set(odd);
  f.get(row).get(rowBytes).i32(2).mul().add().set(row);
  f.get(left).i32(2).sub().tee(left).i32(2).ltU().eqz().brIf(0);
  f.end().end();
  f.block().get(left).eqz().brIf(0);
  f.get(even).get(row).load().addF32x4().set(even);
  f.end();
  f.get(dst).get(even).get(odd).addF32x4().store();
  f.get(src).i32(16).add().set(src);
  f.get(dst).i32(16).add().set(dst);
  f.get(column).i32(1).add().tee(column).get(vectors).ltU().brIf(0);
  f.end().end();
  return f;
}

/**
 * routeMaxima(x, dy, dx, pixels, vectors, rowBytes): the gradient of 2x2, stride-2 max pooling
 * for `pixels` output pixels of one output row with 4 * vectors channels: each window's dy
 * goes to its first maximum (row-major, strict >, NaN never wins), the other three get 0. x and
 * dx point at the top-left input pixel, rowBytes apart from the row below.
 */
function routeMaxima(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32]);
  const [x, dy, dx, pixels, vectors, rowBytes] = [0, 1, 2, 3, 4, 5];
  const [pixelLeft, vectorLeft, px, pdx, pixelBytes] = [
    f.local(I32),
    f.local(I32),
    f.local(I32),
    f.local(I32),
    f.local(I32),
  ];
  const [v00, v01, v10, v11, best, on00, on01, on10, on11, gradient] = Array.from(
    { length: 10 },
    () => f.local(V128),
  ) as [number, number, number, number, number, number, number, number, number, number];
  f.get(vectors).i32(16).mul().set(pixelBytes);
  f.block().get(pixels).eqz().brIf(0).get(vectors).eqz().brIf(0);
  f.get(pixels).set(pixelLeft);
  f.loop(); // output pixels
  f.get(x).set(px).get(dx).set(pdx).get(vectors).set(vectorLeft);
  f.loop(); // 4 channels at a time
  f.get(px).load().set(v00);
  f.get(px).get(pixelBytes).add().load().set(v01);
  f.get(px).get(rowBytes).add().load().set(v10);
  f.get(px).get(rowBytes).add().get(pixelBytes).add().load().set(v11);
  // on00 = v00 > -inf (false for NaN, -inf); best = on00 ? v00 : -inf; each later candidate
  // wins if strictly greater than the best so far.
  f.get(v00).constF32x4(Number.NEGATIVE_INFINITY).gtF32x4().set(on00);
  f.get(v00).constF32x4(Number.NEGATIVE_INFINITY).get(on00).bitselect().set(best);
  f.get(v01).get(best).gtF32x4().set(on01);
  f.get(v01).get(best).get(on01).bitselect().set(best);
  f.get(v10).get(best).gtF32x4().set(on10);
  f.get(v10).get(best).get(on10).bitselect().set(best);
  f.get(v11).get(best).gtF32x4().set(on11);
  // Later winners clear earlier ones.
  f.get(on10).get(on11).andNot().set(on10);
  f.get(on01).get(on10).andNot().get(on11).andNot().set(on01);
  f.get(on00).get(on01).andNot().get(on10).andNot().get(on11).andNot().set(on00);
  f.get(dy).load().set(gradient);
  f.get(pdx).get(gradient).get(on00).and().store();
  f.get(pdx).get(pixelBytes).add().get(gradient).get(on01).and().store();
  f.get(pdx).get(rowBytes).add().get(gradient).get(on10).and().store();
  f.get(pdx).get(rowBytes).add().get(pixelBytes).add().get(gradient).get(on11).and().store();
  f.get(px).i32(16).add().set(px);
  f.get(pdx).i32(16).add().set(pdx);
  f.get(dy).i32(16).add().set(dy);
  f.get(vectorLeft).i32(1).sub().tee(vectorLeft).brIf(0);
  f.end();
  f.get(x).get(pixelBytes).i32(2).mul().add().set(x);
  f.get(dx).get(pixelBytes).i32(2).mul().add().set(dx);
  f.get(pixelLeft).i32(1).sub().tee(pixelLeft).brIf(0);
  f.end().end();
  return f;
}

/**
 * addRows(a, b, out, rows, vectors): out[r, :] = a[r, :] + b[:] for rows of 4 * vectors floats
 * (the bias add of a convolution).
 */
function addRows(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32]);
  const [a, b, out, rows, vectors] = [0, 1, 2, 3, 4];
  const [rowLeft, vectorLeft, pb] = [f.local(I32), f.local(I32), f.local(I32)];
  f.block().get(rows).eqz().brIf(0).get(vectors).eqz().brIf(0);
  f.get(rows).set(rowLeft);
  f.loop();
  f.get(b).set(pb).get(vectors).set(vectorLeft);
  f.loop();
  f.get(out).get(a).load().get(pb).load().addF32x4().store();
  f.get(a).i32(16).add().set(a);
  f.get(out).i32(16).add().set(out);
  f.get(pb).i32(16).add().set(pb);
  f.get(vectorLeft).i32(1).sub().tee(vectorLeft).brIf(0);
  f.end();
  f.get(rowLeft).i32(1).sub().tee(rowLeft).brIf(0);
  f.end().end();
  return f;
}

/**
 * affineRows(x, ab, out, rows, vectors): out[r, :] = x[r, :] * ab[0, :] + ab[1, :] for rows of
 * 4 * vectors floats, ab holding the two rows of per-channel factors back to back (inference
 * and training batch normalisation).
 */
function affineRows(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32]);
  const [x, ab, out, rows, vectors] = [0, 1, 2, 3, 4];
  const [rowLeft, vectorLeft, pa] = [f.local(I32), f.local(I32), f.local(I32)];
  const rowBytes = f.local(I32);
  f.block().get(rows).eqz().brIf(0).get(vectors).eqz().brIf(0);
  f.get(vectors).i32(16).mul().set(rowBytes);
  f.get(rows).set(rowLeft);
  f.loop();
  f.get(ab).set(pa).get(vectors).set(vectorLeft);
  f.loop();
  f.get(out).get(x).load().get(pa).load().mulF32x4();
  f.get(pa).get(rowBytes).add().load().addF32x4().store();
  f.get(x).i32(16).add().set(x);
  f.get(out).i32(16).add().set(out);
  f.get(pa).i32(16).add().set(pa);
  f.get(vectorLeft).i32(1).sub().tee(vectorLeft).brIf(0);
  f.end();
  f.get(rowLeft).i32(1).sub().tee(rowLeft).brIf(0);
  f.end().end();
  return f;
}

/** SIMD kernels working in place on the wasm backend's own heap (byte addresses). */
export interface HeapKernels {
  columnSums(src: number, dst: number, rows: number, rowBytes: number, vectors: number): void;
  routeMaxima(
    x: number,
    dy: number,
    dx: number,
    pixels: number,
    vectors: number,
    rowBytes: number,
  ): void;
  addRows(a: number, b: number, out: number, rows: number, vectors: number): void;
  affineRows(x: number, ab: number, out: number, rows: number, vectors: number): void;
}

/** Per memory, per key: the instantiated module's exports (bound), or null where it failed. */
const onMemory = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/**
 * The module exporting `functions()` (wasm-code.ts's encoder), importing `memory` as `env.memory`
 * (shared if the memory is), instantiated on it and passed to `bind`; built once per memory and
 * `key` and cached, a failure (no WebAssembly SIMD, a module that does not validate) as null so it
 * is not retried. The key names everything `functions` depends on besides the memory.
 *
 * Written by hand: the wasm backend exposes no way to add functions to its own module, and this
 * package's kernels work in place on its heap, so each one is a small module importing that memory.
 */
export function moduleOnMemory<T>(
  memory: WebAssembly.Memory,
  key: string,
  functions: () => Record<string, FunctionBody>,
  bind: (exports: WebAssembly.Exports, module: WebAssembly.Module) => T,
): T | null {
  let byKey = onMemory.get(memory);
  if (byKey == null) {
    byKey = new Map();
    onMemory.set(memory, byKey);
  }
  if (byKey.has(key)) return byKey.get(key) as T | null;
  let result: T | null = null;
  try {
    const bytes = encodeModule(functions(), isShared(memory));
    if (WebAssembly.validate(bytes)) {
      const module = new WebAssembly.Module(bytes);
      result = bind(new WebAssembly.Instance(module, { env: { memory } }).exports, module);
    }
  } catch {
    result = null;
  }
  byKey.set(key, result);
  return result;
}

/**
 * The {@link HeapKernels} bound to the memory of this wasm backend instance (the plain build's
 * `asm.memory`, the threaded build's shared `wasmMemory`), or null where that memory or
 * WebAssembly SIMD is unavailable.
 */
export function heapKernels(backend: KernelBackend): HeapKernels | null {
  const memory = backendMemory(backend);
  if (memory == null) return null;
  return moduleOnMemory(
    memory,
    'heap-kernels',
    () => ({
      columnSums: columnSums(),
      routeMaxima: routeMaxima(),
      addRows: addRows(),
      affineRows: affineRows(),
    }),
    (exports) => exports as unknown as HeapKernels,
  );
}

/**
 * The memory of this wasm backend instance: the plain build's `asm.memory`, the threaded build's
 * shared `wasmMemory`; null if neither is there.
 */
export function backendMemory(backend: KernelBackend): WebAssembly.Memory | null {
  const module = (
    backend as unknown as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }
  ).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** True for a memory over a SharedArrayBuffer (the threaded build's heap). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** True when this wasm backend instance is the multi-threaded build (its heap is shared). */
export function sharedHeap(backend: KernelBackend): boolean {
  const memory = backendMemory(backend);
  return memory != null && isShared(memory);
}

/** Byte address of a tensor's data in the wasm heap. */
export function addressOf(backend: KernelBackend, info: TensorInfo): number {
  return (
    backend as unknown as { typedArrayFromHeap(i: TensorInfo): Float32Array }
  ).typedArrayFromHeap(info).byteOffset;
}
