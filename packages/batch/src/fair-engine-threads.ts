import { availableParallelism } from 'node:os';

/**
 * The engine threads each of `workers` worker processes on one machine should use
 * (`engineThreads` of {@link startWorker}): its share of the cores, `floor(cores / workers)`
 * and at least 1, so that the processes together start one thread per core. One process alone
 * gets 'auto' (onnxruntime's default, one per physical core, as `crack-segment`). Without
 * this, each of N processes would start a thread per core: N times as many threads as cores,
 * whose pool threads spin-wait while the other processes have the cores.
 *
 * @example
 * fairEngineThreads(2, 2); // 1
 * fairEngineThreads(2, 16); // 8
 * fairEngineThreads(1); // 'auto'
 */
export function fairEngineThreads(
  workers: number,
  cores: number = availableParallelism(),
): number | 'auto' {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`fairEngineThreads: workers must be an integer >= 1, got ${workers}`);
  if (!Number.isInteger(cores) || cores < 1)
    throw new RangeError(`fairEngineThreads: cores must be an integer >= 1, got ${cores}`);
  return workers === 1 ? 'auto' : Math.max(1, Math.floor(cores / workers));
}
