import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULT_MODEL_ID } from '@crack/models';
import { modelDirectory } from '@crack/models/node';
import {
  type BackendName,
  checkWritableFolder,
  type EngineChoice,
  initBackend,
  loadSegmenter,
  type PhotoOutputOptions,
  type SegmentMode,
} from '@crack/runtime/node';
import { memory } from '@tensorflow/tfjs-core';
import { type Job, Queue, Worker } from 'bullmq';
import type { BatchJobData, BatchJobResult, IndexRecord } from './batch-job';
import { connectionOptions, type QueueLocation } from './connection';
import { PARTIAL_FOLDER, type PhotoJobSettings, processPhotoJob } from './process-photo';
import { compactIndex } from './results-index';
import { createSerialSection } from './serial-section';

/** Options of {@link startWorker}; the output options mirror `crack-segment`'s flags. */
export interface StartWorkerOptions extends QueueLocation, PhotoOutputOptions {
  /** Output folder (created if missing). On many machines: a shared mount. Required. */
  out: string;
  /**
   * tfjs-layers model: a folder holding model.json, a model.json path, or an http(s) URL.
   * Default: `@crack/models`' default model, as `crack-segment`.
   */
  model?: string;
  /** Preprocessing: 'full' (whole photo in tiles) or 'thesis' (480x320). Default 'full'. */
  mode?: SegmentMode;
  /** Probability at or above which a pixel is crack, in [0, 1]. Default 0.5. */
  threshold?: number;
  /** Full mode: tile side in pixels, 16-8192. Default 512. */
  tileSize?: number;
  /** TensorFlow.js backend to try first (see @crack/runtime's initBackend). Default 'auto'. */
  backend?: BackendName | 'auto';
  /**
   * Threads onnxruntime computes one photo with (`engineThreads` of @crack/runtime's
   * loadSegmenter), an integer in [1, 256], or 'auto': one per physical core. Give each of N
   * worker processes on one machine cores / N (`crack-batch work --concurrency N` does), or
   * every process starts a thread per core and they fight for the cores. Default 'auto'.
   */
  engineThreads?: number | 'auto';
  /**
   * Read (or download) the next photo while one is segmented: the worker holds two jobs, and
   * the model still takes one photo at a time (see {@link createSerialSection}). The waits for
   * the disk, the network and Redis then overlap the computing instead of adding to it. false:
   * one job at a time. Default true.
   */
  readAhead?: boolean;
  /** Largest accepted photo file or download, in bytes. Default 100 MB (10^8). */
  maxBytes?: number;
  /** Largest accepted photo in megapixels (a decompression-bomb guard). Default 100. */
  maxMegapixels?: number;
  /** Timeout of one URL download, in ms. Default 60000. */
  fetchTimeoutMs?: number;
  /**
   * How long a job's lock lasts without renewal, in ms (BullMQ's `lockDuration`). A killed
   * worker's job is taken up again by another worker at most this long plus
   * `stalledIntervalMs` after the kill. Default 30000.
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs of dead workers, in ms. Default 30000. */
  stalledIntervalMs?: number;
  /** How often one job may be recovered from a dead worker before it fails. Default 2. */
  maxStalledCount?: number;
  /** Compact `<out>/index.jsonl` when the worker closes. Default true. */
  compactOnClose?: boolean;
  /** Name of this worker in BullMQ (`job.processedBy`). Default `<host>:<pid>`. */
  name?: string;
  /**
   * Called after every job: the record (`skipped` when its outputs existed already) or the
   * error. Default: none.
   */
  onJob?: (event: BatchJobEvent) => void;
}

/** What {@link StartWorkerOptions.onJob} receives after each job. */
export type BatchJobEvent = BatchJobDone | BatchJobFailed;

/** A job that finished ({@link BatchJobEvent}). */
export interface BatchJobDone {
  /** Job id. */
  id: string;
  /** The photo. */
  input: string;
  /** Finished. */
  ok: true;
  /** The outputs existed already. */
  skipped: boolean;
  /** Its index record. */
  record: IndexRecord;
}

/** An attempt that threw ({@link BatchJobEvent}). */
export interface BatchJobFailed {
  /** Job id. */
  id: string;
  /** The photo. */
  input: string;
  /** Failed. */
  ok: false;
  /** A bad photo (failed for good); else BullMQ retries it while attempts remain. */
  permanent: boolean;
  /** The error message. */
  error: string;
}

/** Counters of a {@link BatchWorker}, and its memory. */
export interface BatchWorkerStats {
  /** Jobs finished with new outputs. */
  processed: number;
  /** Jobs finished because their outputs existed already. */
  skipped: number;
  /** Attempts that threw (permanent or to be retried). */
  failed: number;
  /** `tf.memory().numTensors` now: the model's weights, constant between jobs. */
  tensors: number;
  /** Resident set size of the process in bytes. */
  rss: number;
}

/** A running worker; made by {@link startWorker}. */
export interface BatchWorker {
  /** The BullMQ worker (for its events). */
  readonly worker: Worker<BatchJobData, BatchJobResult>;
  /** What runs the model (onnxruntime or tfjs) and why, as `Segmenter.engine`. */
  readonly engine: EngineChoice;
  /** The engine's threads per photo: {@link StartWorkerOptions.engineThreads}. */
  readonly engineThreads: number | 'auto';
  /** Counters and memory, now. */
  stats(): BatchWorkerStats;
  /**
   * Resolves when the queue has nothing left to do: no job waiting, delayed (a retry
   * pending) or active anywhere (so the jobs of killed workers have been recovered and done).
   */
  idle(): Promise<void>;
  /**
   * Stops taking jobs, finishes the active ones (the photo in the model and the one read
   * meanwhile; or, with `force`, leaves them to be taken up again by another worker after their
   * locks expire), frees the model, and compacts the index
   * (unless `compactOnClose: false`).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * Starts a worker in this process: loads the model once (a model that cannot be loaded fails
 * here, before any job is taken), then takes photo jobs from the queue and runs
 * {@link processPhotoJob} on each: one photo at a time in the model, the next one read
 * meanwhile (`readAhead`). Run one per core (`crack-batch work` forks them,
 * with one engine thread each) and on as many machines as you like against the same Redis and a
 * shared output folder.
 *
 * @example
 * const worker = await startWorker({ redis: 'redis://127.0.0.1:6379', queue: 'survey', out: 'masks' });
 * await worker.idle();
 * await worker.close();
 */
export async function startWorker(options: StartWorkerOptions): Promise<BatchWorker> {
  const caller = 'startWorker';
  const connection = connectionOptions(options, caller, 'worker');
  const settings = resolveSettings(options, caller);
  const {
    lockDurationMs = 30_000,
    stalledIntervalMs = 30_000,
    maxStalledCount = 2,
    compactOnClose = true,
    engineThreads = 'auto',
    readAhead = true,
  } = options;
  positiveInteger(lockDurationMs, 'lockDurationMs', caller);
  positiveInteger(stalledIntervalMs, 'stalledIntervalMs', caller);
  if (!Number.isInteger(maxStalledCount) || maxStalledCount < 0)
    throw new RangeError(
      `${caller}: options.maxStalledCount must be an integer >= 0, got ${maxStalledCount}`,
    );
  if (typeof readAhead !== 'boolean')
    throw new TypeError(`${caller}: options.readAhead must be a boolean, got ${String(readAhead)}`);
  if (
    engineThreads !== 'auto' &&
    !(Number.isInteger(engineThreads) && engineThreads >= 1 && engineThreads <= 256)
  )
    throw new RangeError(
      `${caller}: options.engineThreads must be 'auto' or an integer in [1, 256], got ${String(engineThreads)}`,
    );
  const problem = await checkWritableFolder(settings.out, 'options.out');
  if (problem) throw new Error(`${caller}: ${problem}`);
  await mkdir(path.join(settings.out, PARTIAL_FOLDER), { recursive: true });

  await initBackend({ prefer: options.backend ?? 'auto', logger: null });
  const segmenter = await loadSegmenter(options.model ?? modelDirectory(), {
    mode: settings.mode,
    threshold: settings.threshold,
    engineThreads,
    ...(options.tileSize === undefined ? {} : { tileSize: options.tileSize }),
  });

  const counts = { processed: 0, skipped: 0, failed: 0 };
  const section = createSerialSection();
  const worker = new Worker<BatchJobData, BatchJobResult>(
    options.queue,
    async (job: Job<BatchJobData, BatchJobResult>) => {
      try {
        const { record, skipped } = await processPhotoJob(job, segmenter, settings, { section });
        counts[skipped ? 'skipped' : 'processed'] += 1;
        options.onJob?.({ id: record.id, input: record.input, ok: true, skipped, record });
        return { outputs: record.outputs, crackPixels: record.crackPixels, skipped };
      } catch (error) {
        counts.failed += 1;
        options.onJob?.({
          id: String(job.id),
          input: job.data?.input ?? '?',
          ok: false,
          permanent: (error as Error)?.name === 'UnrecoverableError',
          error: (error as Error)?.message ?? String(error),
        });
        throw error;
      }
    },
    {
      connection,
      // Inference is CPU-bound and synchronous: parallelism comes from processes (one per core),
      // and within one the serial section keeps the model to one photo at a time (and memory
      // to one decoded photo). With read-ahead the second job is read while the first is
      // segmented, so the waits for the disk, the network and Redis do not leave the core idle.
      concurrency: readAhead ? 2 : 1,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount,
      name: options.name ?? `${hostname()}:${process.pid}`,
      autorun: false,
    },
  );
  // Connection trouble is reported and retried by ioredis; without a listener Node would throw.
  worker.on('error', (error) => {
    process.stderr.write(`crack-batch: worker: ${error.message}\n`);
  });
  let queue: Queue | null = null;
  void worker.run();
  await worker.waitUntilReady();

  let closing: Promise<void> | null = null;
  return {
    worker,
    engine: segmenter.engine,
    engineThreads,
    stats: () => ({ ...counts, tensors: memory().numTensors, rss: process.memoryUsage().rss }),
    async idle() {
      // Counted with a worker-style connection: idle() waits through a Redis restart.
      queue ??= new Queue(options.queue, { connection });
      queue.on('error', () => {});
      for (;;) {
        const jobs = await queue.getJobCounts(
          'waiting',
          'delayed',
          'prioritized',
          'active',
          'waiting-children',
        );
        if (Object.values(jobs).every((n) => n === 0)) return;
        // Look again when this worker finds the queue drained, or after a while for what other
        // workers hold and for retries: counting on every job would cost CPU on every photo.
        // At the tail (nothing waiting, only jobs in hand or retries) also when one of this
        // worker's jobs ends: with read-ahead the queue drains while it still holds a job, and
        // the last one's end would otherwise be noticed only by the timer.
        const tail = (jobs.waiting ?? 0) + (jobs.prioritized ?? 0) === 0;
        const events = tail
          ? (['drained', 'completed', 'failed'] as const)
          : (['drained'] as const);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            for (const event of events) worker.off(event, done);
            resolve();
          };
          const timer = setTimeout(done, 2000);
          for (const event of events) worker.on(event, done);
        });
      }
    },
    close(closeOptions = {}) {
      closing ??= (async () => {
        await worker.close(Boolean(closeOptions.force));
        await queue?.close();
        segmenter.dispose();
        if (compactOnClose) await compactIndex({ out: settings.out });
      })();
      return closing;
    },
  };
}

function positiveInteger(value: number, name: string, caller: string): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${caller}: options.${name} must be an integer >= 1, got ${value}`);
}

function resolveSettings(options: StartWorkerOptions, caller: string): PhotoJobSettings {
  const {
    out,
    model,
    mode = 'full',
    threshold = 0.5,
    maxBytes = 100_000_000,
    maxMegapixels = 100,
    fetchTimeoutMs = 60_000,
    minPixels = 1,
  } = options;
  if (typeof out !== 'string' || out === '')
    throw new TypeError(`${caller}: options.out must be a folder path, got ${String(out)}`);
  if (model !== undefined && (typeof model !== 'string' || model === ''))
    throw new TypeError(
      `${caller}: options.model must be a non-empty string, got ${String(model)}`,
    );
  if (mode !== 'full' && mode !== 'thesis')
    throw new RangeError(`${caller}: options.mode must be 'full' or 'thesis', got '${mode}'`);
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))
    throw new RangeError(
      `${caller}: options.threshold must be a number in [0, 1], got ${threshold}`,
    );
  positiveInteger(maxBytes, 'maxBytes', caller);
  if (!(typeof maxMegapixels === 'number' && maxMegapixels > 0))
    throw new RangeError(
      `${caller}: options.maxMegapixels must be a number > 0, got ${maxMegapixels}`,
    );
  positiveInteger(fetchTimeoutMs, 'fetchTimeoutMs', caller);
  positiveInteger(minPixels, 'minPixels', caller);
  if (options.mmPerPixel !== undefined && !(options.mmPerPixel > 0))
    throw new RangeError(
      `${caller}: options.mmPerPixel must be a number > 0, got ${options.mmPerPixel}`,
    );
  return {
    out: path.resolve(out),
    model: model ?? `@crack/models/${DEFAULT_MODEL_ID}`,
    mode,
    threshold,
    maxBytes,
    maxMegapixels,
    fetchTimeoutMs,
    overlay: Boolean(options.overlay),
    probabilities: Boolean(options.probabilities),
    measure: Boolean(options.measure),
    minPixels,
    ...(options.mmPerPixel === undefined ? {} : { mmPerPixel: options.mmPerPixel }),
  };
}
