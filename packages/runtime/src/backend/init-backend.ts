import { registerWasmTrainingKernels } from '@crack/wasm-kernels';
import { env, getBackend, setBackend } from '@tensorflow/tfjs-core';
import { chooseEngine } from '../engine/choose-engine';
import type { InferenceEngine } from '../engine/engine-choice';
import { BACKEND_NAMES, type BackendChoice, type BackendName } from './backend-choice';
import { loadTfjsNode } from './load-tfjs-node';
import { readBackendOverride } from './read-backend-override';
import { registerThreadedWasm } from './register-threaded-wasm';

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backend to try first; if it cannot start, the others are tried fastest first and the
   * reason says why. Default 'auto': 'tensorflow' (tfjs-node) if installed and loading, else
   * 'wasm', else 'cpu'. The environment variable `CRACK_BACKEND` (tensorflow | wasm | cpu)
   * overrides this and is strict: if that backend cannot start, initBackend throws.
   */
  prefer?: BackendName | 'auto';
  /**
   * Where to report the choice. Default: `console.info`, once per process. Pass a function to
   * receive every choice, or `null` to stay silent.
   */
  logger?: ((message: string, choice: BackendChoice) => void) | null;
  /**
   * Threads for the wasm backend. Default 1: tfjs's single-threaded SIMD build, as
   * tfjs-backend-wasm uses in Node. More than 1 (at most 8) runs its multi-threaded SIMD build on
   * Node worker_threads instead (see {@link registerThreadedWasm}); it must then be called before
   * any tensor is created on wasm. Ignored by the other backends.
   */
  threads?: number;
  /**
   * Inference engine preference to report on (see `SegmenterOptions.engine`): 'auto' (default)
   * reports onnxruntime when onnxruntime-node is installed, else tfjs. `CRACK_ENGINE` overrides
   * it. Only reported: each segmenter chooses its engine when it loads.
   */
  engine?: InferenceEngine | 'auto';
}

let loggedOnce = false;

/**
 * Selects and initialises the fastest TensorFlow.js backend available and returns what it chose
 * and why. On wasm it also registers the training kernels (see
 * {@link registerWasmTrainingKernels}) so models can be trained there, not only run.
 *
 * @example
 * const choice = await initBackend();
 * // { backend: 'wasm', reason: 'tfjs-node not installed; wasm SIMD available', simd: true, ... }
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const { prefer = 'auto', logger, threads = 1, engine = 'auto' } = options;
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`initBackend: threads must be an integer in [1, 8], got ${threads}`);
  }
  if (prefer !== 'auto' && !BACKEND_NAMES.includes(prefer)) {
    throw new Error(
      `initBackend: prefer must be 'auto', ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}; got '${String(prefer)}'`,
    );
  }
  if (logger !== undefined && logger !== null && typeof logger !== 'function') {
    throw new Error(`initBackend: logger must be a function or null, got ${typeof logger}`);
  }
  const engineChoice = (await chooseEngine(engine, 'initBackend')).choice;
  const forced = readBackendOverride();
  const order: BackendName[] = forced
    ? [forced]
    : prefer === 'auto'
      ? [...BACKEND_NAMES]
      : [prefer, ...BACKEND_NAMES.filter((name) => name !== prefer)];

  const skipped: string[] = [];
  for (const name of order) {
    const failure = await startBackend(name, threads);
    if (failure != null) {
      if (forced) throw new Error(`initBackend: CRACK_BACKEND=${forced} but ${failure}`);
      skipped.push(failure);
      continue;
    }
    const choice = {
      ...(await describe(name, forced ? [`CRACK_BACKEND=${forced}`] : skipped, prefer)),
      engine: engineChoice,
    };
    report(choice, logger);
    return choice;
  }
  throw new Error(`initBackend: no backend could start: ${skipped.join('; ')}`);
}

/** Starts one backend; returns null on success, else why it could not start. */
async function startBackend(name: BackendName, threads: number): Promise<string | null> {
  if (name === 'tensorflow') {
    const failure = await loadTfjsNode();
    if (failure != null) return failure;
    return (await setBackend('tensorflow')) ? null : 'tfjs-node loaded but its backend failed';
  }
  if (name === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (threads > 1) await registerThreadedWasm(threads);
    } catch (error) {
      return `wasm backend failed to load (${(error as Error).message})`;
    }
    // Registered before the backend starts so the replaced native kernel still gets set up.
    registerWasmTrainingKernels();
    return (await setBackend('wasm')) ? null : 'wasm failed to initialise';
  }
  await import('@tensorflow/tfjs-backend-cpu');
  return (await setBackend('cpu')) ? null : 'cpu backend failed to initialise';
}

async function describe(
  backend: BackendName,
  context: string[],
  prefer: BackendName | 'auto',
): Promise<Omit<BackendChoice, 'engine'>> {
  if (getBackend() !== backend) {
    throw new Error(`initBackend: expected backend '${backend}', tf reports '${getBackend()}'`);
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const simd = Boolean(await env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = wasm.getThreadsCount();
    const what = `wasm ${simd ? 'SIMD' : '(no SIMD)'} available`;
    return {
      backend,
      reason: reasonOf(context, prefer, backend, what),
      simd,
      threads,
      kernels: registerWasmTrainingKernels(),
    };
  }
  const what = backend === 'tensorflow' ? 'tfjs-node (native TensorFlow) loaded' : 'cpu (pure JS)';
  return {
    backend,
    reason: reasonOf(context, prefer, backend, what),
    simd: false,
    threads: 1,
    kernels: [],
  };
}

function reasonOf(
  context: string[],
  prefer: BackendName | 'auto',
  backend: BackendName,
  what: string,
): string {
  const preferred = prefer !== 'auto' && prefer === backend ? [`preferred ${prefer}`] : [];
  return [...preferred, ...context, what].join('; ');
}

function report(choice: BackendChoice, logger: InitBackendOptions['logger']): void {
  if (logger === null) return;
  const message = `@crack/runtime: backend ${choice.backend} (${choice.reason}); inference engine ${choice.engine.engine} (${choice.engine.reason})`;
  if (logger) {
    logger(message, choice);
    return;
  }
  if (loggedOnce) return;
  loggedOnce = true;
  console.info(message);
}
