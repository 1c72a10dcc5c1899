import type { KernelPool, PooledFunction } from './kernel-pool';
import { usingRelaxedSimd } from './relaxed-simd';
import { encodeModule, FunctionBody, I32, V128 } from './wasm-code';

/**
 * The WebAssembly SIMD kernels of this package and the memory they work in (their own, not the
 * wasm backend's heap: tensors are copied in, in the padded layouts the kernels want, and
 * results copied out).
 */
export interface SimdKernels {
  /** A view of the first `floats` floats of the kernels' memory, grown if needed. */
  reserve(floats: number): Float32Array;
  accumulate4x4(...args: number[]): void;
  accumulate4x8(...args: number[]): void;
  /** The accumulate kernels loaded on `pool` (its threads share this memory). */
  pooled(pool: KernelPool): { accumulate4x4: PooledFunction; accumulate4x8: PooledFunction };
}

/**
 * accumulate(x, dy, out, pixels, xStep, dyStep, outStride), all byte addresses and strides:
 * for 4 input channels and 4 * vectors output channels, out[i][o] += sum over p < pixels of
 * x[p * xStep + 4i] * dy[p * dyStep + 4o]. The sum runs in registers (4 * vectors f32x4
 * accumulators) and is added to `out` once at the end.
 */
export function accumulate(vectors: 1 | 2, fused = false): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32]);
  const [x, dy, out, pixels, xStep, dyStep, outStride] = [0, 1, 2, 3, 4, 5, 6];
  const end = f.local(I32);
  const address = f.local(I32);
  const sums = Array.from({ length: 4 * vectors }, () => f.local(V128));
  const gradient = Array.from({ length: vectors }, () => f.local(V128));
  const value = f.local(V128);
  f.get(dy).get(pixels).get(dyStep).mul().add().set(end);
  f.block().get(pixels).eqz().brIf(0);
  f.loop();
  for (let v = 0; v < vectors; v += 1)
    f.get(dy)
      .load(16 * v)
      .set(gradient[v] as number);
  for (let i = 0; i < 4; i += 1) {
    f.get(x)
      .splat(4 * i)
      .set(value);
    for (let v = 0; v < vectors; v += 1) {
      f.multiplyAdd(sums[i * vectors + v] as number, value, gradient[v] as number, fused);
    }
  }
  f.get(x).get(xStep).add().set(x);
  f.get(dy).get(dyStep).add().tee(dy).get(end).ltU().brIf(0);
  f.end().end();
  for (let i = 0; i < 4; i += 1) {
    f.get(out).i32(i).get(outStride).mul().add().set(address);
    for (let v = 0; v < vectors; v += 1) {
      f.get(address)
        .get(address)
        .load(16 * v)
        .get(sums[i * vectors + v] as number)
        .addF32x4()
        .store(16 * v);
    }
  }
  return f;
}

const instances = new Map<string, SimdKernels | null>();

/**
 * The compiled kernels, or null where WebAssembly SIMD is unavailable. `shared`: in a shared
 * memory (for a thread pool), else in a plain one.
 */
export function simdKernels(shared = false): SimdKernels | null {
  const fused = usingRelaxedSimd();
  const key = `${shared}${fused}`;
  const known = instances.get(key);
  if (known !== undefined) return known;
  let kernels: SimdKernels | null = null;
  try {
    const bytes = encodeModule(
      {
        accumulate4x4: accumulate(1, fused),
        accumulate4x8: accumulate(2, fused),
      },
      shared,
    );
    if (WebAssembly.validate(bytes)) {
      const memory = new WebAssembly.Memory(
        shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1, maximum: 65536 },
      );
      const module = new WebAssembly.Module(bytes);
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      const exports = instance.exports as unknown as Pick<
        SimdKernels,
        'accumulate4x4' | 'accumulate4x8'
      >;
      let loaded: { pool: KernelPool; fns: PooledFunction[] } | null = null;
      kernels = {
        ...exports,
        reserve(floats: number): Float32Array {
          const have = memory.buffer.byteLength;
          if (4 * floats > have) memory.grow(Math.ceil((4 * floats - have) / 65536));
          return new Float32Array(memory.buffer, 0, floats);
        },
        pooled(pool: KernelPool) {
          if (loaded?.pool !== pool) {
            loaded = { pool, fns: pool.load(module, memory, ['accumulate4x4', 'accumulate4x8']) };
          }
          const [accumulate4x4, accumulate4x8] = loaded.fns as [PooledFunction, PooledFunction];
          return { accumulate4x4, accumulate4x8 };
        },
      };
    }
  } catch {
    kernels = null;
  }
  instances.set(key, kernels);
  return kernels;
}
