import { registerBackend, removeBackend } from '@tensorflow/tfjs-core';

/** The emscripten module of the threaded build, as BackendWasm expects it. */
interface WasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
  /** Emscripten's pthread bookkeeping: the Node worker_threads behind the thread pool. */
  PThread?: {
    unusedWorkers: PthreadWorker[];
    runningWorkers: PthreadWorker[];
    getNewWorker(): PthreadWorker | undefined;
  };
}

/** The part of a Node `Worker` emscripten calls to keep the process alive while it runs. */
interface PthreadWorker {
  ref(): unknown;
  unref(): unknown;
}

/**
 * Lets the process exit while the thread pool lives. Emscripten `ref()`s a worker when it starts
 * running a pthread, and XNNPACK's pool threads run (waiting for work) until the module is torn
 * down, so a Node process on the threaded build never exits by itself. The pool needs no event
 * loop (the main thread hands it work through shared memory and waits with Atomics), so its
 * workers are `unref()`ed and kept so: the process then ends when its own work is done.
 */
function letProcessExit(module: WasmModule): void {
  const pthread = module.PThread;
  if (pthread == null) return;
  const detach = (worker: PthreadWorker | undefined) => {
    if (worker == null || typeof worker.unref !== 'function') return worker;
    worker.unref();
    worker.ref = () => worker;
    return worker;
  };
  for (const worker of [...pthread.unusedWorkers, ...pthread.runningWorkers]) detach(worker);
  const getNewWorker = pthread.getNewWorker.bind(pthread);
  pthread.getNewWorker = () => detach(getNewWorker());
}

/**
 * Replaces the registered 'wasm' backend with one running tfjs's multi-threaded SIMD build
 * (`tfjs-backend-wasm-threaded-simd.wasm`, XNNPACK on a pthread pool) with `threads` threads,
 * under Node's worker_threads. Returns the thread count the backend reports.
 *
 * tfjs-backend-wasm 4.22 never picks that build in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag
 * is false there, and the pthread worker it would start is a Blob URL Node cannot load), and the
 * build itself caps its pool at half the logical cores (1 on a 2-core machine). So this
 * instantiates the build directly: the worker script goes to a file in the OS temp directory,
 * and while the module initialises, `os.cpus()` reports 2 x threads cores so the cap allows
 * `threads`. Call it before any tensor lives on the wasm backend: the old backend is removed.
 * The pool's worker threads do not keep the process alive: it exits by itself when its work is
 * done, no `process.exit()` needed. Node only (the Node built-ins are imported lazily, so
 * browser bundles are unaffected).
 */
export async function registerThreadedWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`registerThreadedWasm: threads must be an integer in [1, 8], got ${threads}`);
  }
  // Default exports: the live module objects (os.cpus must be patched on the real one).
  const fs = (await import('node:fs')).default;
  const os = (await import('node:os')).default;
  const path = (await import('node:path')).default;
  const { createRequire } = await import('node:module');
  const requireHere = createRequire(import.meta.url);
  const wasmPackage = requireHere(
    '@tensorflow/tfjs-backend-wasm',
  ) as typeof import('@tensorflow/tfjs-backend-wasm');
  const factoryPath = requireHere.resolve(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
  );
  const { wasmWorkerContents } = requireHere(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js',
  ) as { wasmWorkerContents: string };
  // tfjs escapes newlines the same way before turning the contents into a script.
  const workerPath = path.join(
    os.tmpdir(),
    `crack-tfjs-wasm-${wasmPackage.version_wasm}-worker.cjs`,
  );
  fs.writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, '\\n'));
  const factory = requireHere(factoryPath) as (config: object) => Promise<WasmModule>;

  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () =>
    Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length] as (typeof cpus)[number]);
  let module: WasmModule;
  try {
    module = await factory({
      locateFile: (file: string) =>
        file.endsWith('.worker.js') ? workerPath : path.join(path.dirname(factoryPath), file),
      mainScriptUrlOrBlob: factoryPath,
    });
  } finally {
    os.cpus = realCpus;
  }
  letProcessExit(module);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPackage.setThreadsCount(threads);
  removeBackend('wasm');
  const BackendWasm = wasmPackage.BackendWasm as unknown as new (wasm: WasmModule) => object;
  registerBackend('wasm', () => new BackendWasm(module) as never, 2);
  return threads;
}
