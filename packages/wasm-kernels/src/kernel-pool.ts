import type { KernelBackend } from '@tensorflow/tfjs-core';
import { backendMemory, isShared } from './heap-kernels';

/**
 * Runs this package's WebAssembly kernels on several threads over one shared memory.
 *
 * Written here rather than taken from a library: a kernel call lasts 0.1-10 ms and the main
 * thread must block inside a synchronous tfjs kernel until it is done, so the hand-off has to be
 * a few shared-memory words and `Atomics.wait`, not messages (piscina and the like are
 * asynchronous and cost more per task than the work). Node only (`worker_threads`); elsewhere
 * {@link kernelPoolFor} returns null and the kernels run on the calling thread.
 *
 * A job is a list of calls of exported wasm functions (up to 10 i32 arguments each) cut into
 * chunks. Chunks are taken by ticket (compare-and-swap on one counter) by the calling thread and
 * the workers alike, so a worker that is slow to wake (a busy machine) costs at most the chunk
 * it holds: the caller takes the rest, and a job never waits for a thread that has not started.
 * Tickets grow across jobs and are never reissued, so a late worker cannot take a chunk twice.
 * An argument may be offset by the chunk's index times a stride: each chunk's own accumulator,
 * added up by the caller in chunk order, so sums do not depend on which thread ran what (results
 * are the same on every run and at every thread count).
 */

/** Slots per call: the function reference (module id << 8 | export index), then 10 arguments. */
const CALL_SLOTS = 11;
const ARGUMENTS = 10;
/** Calls per job; a longer list is run as several jobs. */
const MAX_CALLS = 16384;
/** Chunks per job. */
export const POOL_MAX_CHUNKS = 1024;

// Words of the control block.
const GENERATION = 0;
const TICKET = 1;
const END = 2;
const BASE = 3;
const DONE = 4;
const CHUNK_SLOT = 5;
const CHUNK_STRIDE = 6;
const STOP = 7;
const FAILED = 8;
const CONTROL_WORDS = 16;

/**
 * takeChunks(control, chunks, calls, lookup, index): takes and runs chunks until none is left;
 * returns how many this thread ran. The same source runs on the calling thread and in the
 * workers (kept as text so both get exactly this code, untouched by any bundler or
 * instrumentation).
 */
const TAKE_CHUNKS_SOURCE = `
  let ran = 0;
  for (;;) {
    const ticket = Atomics.load(control, ${TICKET});
    if (ticket >= Atomics.load(control, ${END})) return ran;
    if (Atomics.compareExchange(control, ${TICKET}, ticket, ticket + 1) !== ticket) continue;
    // The job cannot end before this chunk is done, so BASE is this job's.
    const chunk = ticket - Atomics.load(control, ${BASE});
    const slot = control[${CHUNK_SLOT}];
    const offset = chunk * control[${CHUNK_STRIDE}];
    try {
      for (let call = chunks[chunk]; call < chunks[chunk + 1]; call += 1) {
        const at = call * ${CALL_SLOTS};
        const fn = lookup(calls[at]);
        const a0 = calls[at + 1] + (slot === 0 ? offset : 0);
        const a1 = calls[at + 2] + (slot === 1 ? offset : 0);
        const a2 = calls[at + 3] + (slot === 2 ? offset : 0);
        const a3 = calls[at + 4] + (slot === 3 ? offset : 0);
        const a4 = calls[at + 5] + (slot === 4 ? offset : 0);
        const a5 = calls[at + 6] + (slot === 5 ? offset : 0);
        const a6 = calls[at + 7] + (slot === 6 ? offset : 0);
        const a7 = calls[at + 8] + (slot === 7 ? offset : 0);
        const a8 = calls[at + 9] + (slot === 8 ? offset : 0);
        const a9 = calls[at + 10] + (slot === 9 ? offset : 0);
        fn(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
      }
    } catch {
      Atomics.store(control, ${FAILED}, 1);
    }
    ran += 1;
    if (Atomics.add(control, ${DONE}, 1) + 1 === Atomics.load(control, ${END})) {
      Atomics.notify(control, ${DONE});
    }
  }
`;

// The workers' code (CommonJS, run with `eval`), so the package needs no second entry file.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control: c, chunks: chunkBuffer, calls: callBuffer, port, index } = workerData;
const control = new Int32Array(c);
const chunks = new Int32Array(chunkBuffer);
const calls = new Int32Array(callBuffer);
const modules = [];
function lookup(ref) {
  const id = ref >> 8;
  while (modules[id] === undefined) {
    const received = receiveMessageOnPort(port);
    if (received === undefined) throw new Error('kernel pool: module ' + id + ' was not sent');
    const { id: got, module, memory, names } = received.message;
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    modules[got] = names.map((name) => exports[name]);
  }
  return modules[id][ref & 255];
}
function takeChunks(control, chunks, calls, lookup, index) {${TAKE_CHUNKS_SOURCE}}
let seen = 0;
for (;;) {
  Atomics.wait(control, ${GENERATION}, seen);
  seen = Atomics.load(control, ${GENERATION});
  if (Atomics.load(control, ${STOP}) !== 0) break;
  takeChunks(control, chunks, calls, lookup, index);
}
`;

type TakeChunks = (
  control: Int32Array,
  chunks: Int32Array,
  calls: Int32Array,
  lookup: (ref: number) => (...args: number[]) => unknown,
  index: number,
) => number;

/** A wasm function the pool can run: its reference in the call table and the main thread's copy. */
export interface PooledFunction {
  readonly ref: number;
  readonly fn: (...args: number[]) => unknown;
}

interface NodeWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  unref(): void;
  terminate(): Promise<number>;
}

interface WorkerThreads {
  Worker: new (source: string, options: object) => NodeWorker;
  MessageChannel: new () => {
    port1: { postMessage(message: unknown): void; close(): void };
    port2: unknown;
  };
}

/** Counters of what the pool ran, for diagnostics and tests. */
export interface KernelPoolStats {
  /** Threads the pool runs on, the calling thread included. */
  threads: number;
  /** Jobs run on the pool. */
  jobs: number;
  /** Chunks of those jobs the worker threads ran (the rest ran on the calling thread). */
  workerChunks: number;
  /** Chunks in all. */
  chunks: number;
}

/** A pool of `threads - 1` worker threads plus the calling thread. */
export class KernelPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  private readonly chunks = new Int32Array(new SharedArrayBuffer(4 * (POOL_MAX_CHUNKS + 1)));
  private readonly calls = new Int32Array(new SharedArrayBuffer(4 * CALL_SLOTS * MAX_CALLS));
  private readonly workers: NodeWorker[] = [];
  private readonly ports: { postMessage(message: unknown): void; close(): void }[] = [];
  private readonly functions: ((...args: number[]) => unknown)[][] = [];
  private readonly lookup = (ref: number) =>
    (this.functions[ref >> 8] as ((...args: number[]) => unknown)[])[ref & 255] as (
      ...args: number[]
    ) => unknown;
  /** See {@link KernelPoolStats}. */
  readonly stats: KernelPoolStats;
  private readonly takeChunks = new Function(
    'control',
    'chunks',
    'calls',
    'lookup',
    'index',
    TAKE_CHUNKS_SOURCE,
  ) as TakeChunks;

  constructor(threads: number, { Worker, MessageChannel }: WorkerThreads) {
    this.stats = { threads, jobs: 0, workerChunks: 0, chunks: 0 };
    for (let index = 1; index < threads; index += 1) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // Nothing of the parent's command line (a TypeScript loader, say): the worker only runs
        // the code above, and starts faster without.
        execArgv: [],
        env: {},
        workerData: {
          control: this.control.buffer,
          chunks: this.chunks.buffer,
          calls: this.calls.buffer,
          port: port2,
          index,
        },
        transferList: [port2],
      });
      // The workers wait in Atomics.wait, outside the event loop: they must not keep the
      // process alive.
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** Threads the pool runs on, the calling thread included. */
  get threads(): number {
    return this.stats.threads;
  }

  /**
   * Instantiates `module` on `memory` (shared) in every thread and returns its exports `names`
   * as pooled functions.
   */
  load(module: WebAssembly.Module, memory: WebAssembly.Memory, names: string[]): PooledFunction[] {
    const id = this.functions.length;
    if (names.length > 256) throw new Error('kernel pool: at most 256 exports per module');
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
      string,
      (...args: number[]) => unknown
    >;
    const fns = names.map((name) => {
      const fn = exports[name];
      if (typeof fn !== 'function') throw new Error(`kernel pool: no export '${name}'`);
      return fn;
    });
    this.functions.push(fns);
    for (const port of this.ports) port.postMessage({ id, module, memory, names });
    return fns.map((fn, i) => ({ ref: (id << 8) | i, fn }));
  }

  /**
   * Runs `calls` (each a function and its arguments, at most 10) in `chunkCount` chunks of
   * consecutive calls spread over the pool's threads; returns when all are done. Calls of
   * different chunks must be independent of each other. Chunk k of n calls in c chunks holds
   * calls [round(k n / c), round((k + 1) n / c)); c is at most n and 1024.
   *
   * With `chunkArgument`, that argument of every call is offset by `stride` times the index of
   * its chunk (each chunk's own accumulator, for sums that do not depend on the threads). Lists
   * longer than 16384 calls run as several jobs in turn: each of those then has
   * min(chunkCount, its calls) chunks of its own, starting again at chunk 0 (with
   * `chunkArgument`) or its share of `chunkCount` (without).
   */
  run(
    calls: readonly (readonly [PooledFunction, ...number[]])[],
    chunkCount: number,
    chunkArgument?: { index: number; stride: number },
  ): void {
    for (let first = 0; first < calls.length; first += MAX_CALLS) {
      const part = calls.slice(first, first + MAX_CALLS);
      const count =
        chunkArgument != null
          ? chunkCount
          : Math.max(1, Math.round((chunkCount * part.length) / calls.length));
      this.runPart(part, Math.min(count, part.length, POOL_MAX_CHUNKS), chunkArgument);
    }
  }

  private runPart(
    calls: readonly (readonly [PooledFunction, ...number[]])[],
    chunkCount: number,
    chunkArgument?: { index: number; stride: number },
  ): void {
    const { control, chunks } = this;
    const count = Math.max(1, chunkCount);
    for (let i = 0; i < calls.length; i += 1) {
      const [fn, ...args] = calls[i] as readonly [PooledFunction, ...number[]];
      if (args.length > ARGUMENTS) throw new Error('kernel pool: at most 10 arguments per call');
      const at = i * CALL_SLOTS;
      this.calls[at] = fn.ref;
      // Missing arguments are 0 (every function takes its own count; wasm ignores extra ones).
      for (let k = 0; k < ARGUMENTS; k += 1) this.calls[at + 1 + k] = args[k] ?? 0;
    }
    for (let c = 0; c <= count; c += 1) chunks[c] = Math.round((c * calls.length) / count);
    control[CHUNK_SLOT] = chunkArgument?.index ?? -1;
    control[CHUNK_STRIDE] = chunkArgument?.stride ?? 0;
    Atomics.store(control, FAILED, 0);
    // Every earlier chunk is done here (TICKET == END == DONE). Restart the counters long before
    // they could overflow; a late worker's stale ticket (>= the old END) can never match again.
    let base = Atomics.load(control, END);
    if (base > 2 ** 30) {
      Atomics.store(control, TICKET, 0);
      Atomics.store(control, DONE, 0);
      base = 0;
    }
    const end = base + count;
    Atomics.store(control, BASE, base);
    Atomics.store(control, END, end); // publishes the job (after the tables above)
    Atomics.add(control, GENERATION, 1);
    if (this.workers.length > 0) Atomics.notify(control, GENERATION);
    const mine = this.takeChunks(control, chunks, this.calls, this.lookup, 0);
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done >= end) break;
      Atomics.wait(control, DONE, done);
    }
    this.stats.jobs += 1;
    this.stats.chunks += count;
    this.stats.workerChunks += count - mine;
    if (Atomics.load(control, FAILED) !== 0) {
      throw new Error('kernel pool: a kernel call failed on a worker thread');
    }
  }

  /** Stops and terminates the workers. */
  close(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const port of this.ports) port.close();
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}

let requested: number | 'auto' = 'auto';
let pool: KernelPool | null = null;

function workerThreads(): WorkerThreads | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } })
    .process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function' || typeof SharedArrayBuffer === 'undefined') return null;
  try {
    return (getBuiltin('node:worker_threads') as WorkerThreads | undefined) ?? null;
  } catch {
    return null;
  }
}

/** The thread count of the wasm backend's build (1 on the single-threaded build). */
function backendThreads(backend: KernelBackend): number {
  const tfjs = (backend as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm
    ?.tfjs;
  try {
    return tfjs?.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}

/**
 * The pool the kernels of `backend` run on, or null for the calling thread alone: the backend's
 * heap is not shared (the single-threaded build), fewer than 2 threads are wanted (by default as
 * many as the backend's build runs; see {@link setWasmKernelThreads}), or there are no
 * `worker_threads` (browsers).
 */
export function kernelPoolFor(backend: KernelBackend): KernelPool | null {
  if (requested === 1) return null;
  const memory = backendMemory(backend);
  if (memory == null || !isShared(memory)) return null;
  const threads = requested === 'auto' ? backendThreads(backend) : requested;
  if (threads < 2) return null;
  if (pool != null && pool.threads === threads) return pool;
  const threading = workerThreads();
  if (threading == null) return null;
  pool?.close();
  pool = new KernelPool(threads, threading);
  return pool;
}

/**
 * Sets how many threads this package's SIMD kernels (the direct convolution behind Conv2D,
 * FusedConv2D and Conv2DBackpropInput, and the filter gradient) use on the multi-threaded wasm
 * build. `'auto'` (the default): as many as the build's thread pool
 * (`setThreadsCount`/`getThreadsCount` of `@tensorflow/tfjs-backend-wasm`); 1: the calling thread
 * only. On the single-threaded build, and outside Node, the kernels always run on the calling
 * thread. Their worker threads do not keep a Node process alive.
 *
 * @example
 * setWasmKernelThreads(1); // e.g. to compare against one thread in a benchmark
 */
export function setWasmKernelThreads(threads: number | 'auto'): void {
  if (threads !== 'auto' && (!Number.isInteger(threads) || threads < 1 || threads > 64)) {
    throw new Error(
      `setWasmKernelThreads: threads must be 'auto' or an integer in [1, 64], got ${String(threads)}`,
    );
  }
  requested = threads;
  if (pool != null && (threads === 1 || (threads !== 'auto' && threads !== pool.threads))) {
    pool.close();
    pool = null;
  }
}

/**
 * What the kernels' thread pool has run in this process: its threads (1 when there is no pool),
 * jobs, and chunks run by the worker threads and in all. For diagnostics: `workerChunks` > 0
 * shows the kernels did use more than one thread.
 */
export function wasmKernelThreading(): KernelPoolStats {
  return pool == null ? { threads: 1, jobs: 0, workerChunks: 0, chunks: 0 } : { ...pool.stats };
}
