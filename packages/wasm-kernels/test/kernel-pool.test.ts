// The kernels' thread pool on its own: calls of a SIMD kernel spread over a worker and the
// calling thread, each chunk summing into its own copy (the chunk argument), must give exactly
// the count of calls of each chunk, over many back-to-back jobs (a chunk run twice, skipped or
// cut differently would show in the counts).
import { afterAll, describe, expect, it } from 'vitest';
import { KernelPool, type PooledFunction } from '../src/kernel-pool';
import { accumulate } from '../src/simd-kernels';
import { encodeModule } from '../src/wasm-code';

const threading = process.getBuiltinModule('node:worker_threads') as never;
const pause = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('KernelPool', () => {
  const pool = new KernelPool(2, threading);
  afterAll(() => pool.close());
  // accumulate4x4(x, dy, out, pixels, xStep, dyStep, outStride):
  //   out[i][o] += sum over p < pixels of x[p * xStep + 4i] * dy[p * dyStep + 4o]
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 256, shared: true });
  const module = new WebAssembly.Module(encodeModule({ acc: accumulate(1) }, true));
  const [acc] = pool.load(module, memory, ['acc']) as [PooledFunction];
  const floats = new Float32Array(memory.buffer);
  const PIXELS = 1000;
  const X = 0; // PIXELS x 4 ones
  const SUMS = 4 * PIXELS; // each chunk's 16 sums, 64 floats apart
  const SLOTS = 9;
  const call = (pixels: number): [PooledFunction, ...number[]] => [
    acc,
    4 * X,
    4 * X,
    4 * SUMS,
    pixels,
    16,
    16,
    16,
  ];
  const slot = (chunk: number) => floats.subarray(SUMS + 64 * chunk, SUMS + 64 * chunk + 16);
  // What chunk k of n calls in c chunks adds up (calls [round(kn/c), round((k+1)n/c))).
  const addExpected = (expected: number[], list: [PooledFunction, ...number[]][], c: number) => {
    for (let k = 0; k < c; k += 1) {
      for (
        let i = Math.round((k * list.length) / c);
        i < Math.round(((k + 1) * list.length) / c);
        i += 1
      ) {
        expected[k] = (expected[k] as number) + ((list[i] as number[])[4] as number);
      }
    }
  };

  it('runs every call exactly once, in its own chunk, on both threads, over many jobs', async () => {
    floats.fill(1, X, X + 4 * PIXELS);
    floats.fill(0, SUMS, SUMS + 64 * SLOTS);
    const expected = new Array<number>(SLOTS).fill(0);
    // Jobs of 1-37 calls in 1-9 chunks, until the worker (which starts asynchronously) has run
    // some chunks and at least 300 jobs are done.
    for (let job = 0; job < 300 || pool.stats.workerChunks === 0; job += 1) {
      const list = Array.from({ length: 1 + (job % 37) }, (_, c) => call(1 + ((c * 97) % PIXELS)));
      const chunks = Math.min(1 + (job % SLOTS), list.length);
      addExpected(expected, list, chunks);
      pool.run(list, chunks, { index: 2, stride: 4 * 64 });
      if (job % 10 === 0) await pause();
    }
    for (let k = 0; k < SLOTS; k += 1) {
      expect(expected[k]).toBeLessThan(2 ** 24); // exact in float32
      expect(Array.from(slot(k))).toEqual(new Array(16).fill(expected[k]));
    }
    expect(pool.stats.workerChunks).toBeGreaterThan(0);
    expect(pool.stats.workerChunks).toBeLessThan(pool.stats.chunks);
  }, 120_000);

  it('runs lists longer than one job in turn, each from chunk 0; rejects more than 10 arguments', () => {
    floats.fill(0, SUMS, SUMS + 64 * SLOTS);
    const list = Array.from({ length: 40000 }, () => call(1));
    pool.run(list, 8, { index: 2, stride: 4 * 64 });
    const expected = new Array<number>(SLOTS).fill(0);
    for (const [from, to] of [
      [0, 16384],
      [16384, 32768],
      [32768, 40000],
    ] as const) {
      addExpected(expected, list.slice(from, to), 8);
    }
    for (let k = 0; k < SLOTS; k += 1) expect(slot(k)[0]).toBe(expected[k]);
    expect(expected[8]).toBe(0);
    expect(() => pool.run([[acc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], 1)).toThrow(/10 arguments/);
  });
});
