import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readImageHeader } from '@crack/data/image';
import { Piscina } from 'piscina';
import type { BackendName } from '../backend/backend-choice';
import type { InferenceEngine } from '../engine/engine-choice';
import type { PhotoReport } from '../io/segment-to-files';
import type { SegmentMode } from '../segmenter/types';

/** What every worker thread of a photo pool loads and writes (structured-cloneable). */
export interface PhotoWorkerSettings {
  model?: string;
  mode: SegmentMode;
  threshold: number;
  tileSize: number;
  backend: BackendName | 'auto';
  engine: InferenceEngine | 'auto';
  engineThreads: number;
  outputs: {
    overlay?: boolean;
    probabilities?: boolean;
    measure?: boolean;
    mmPerPixel?: number;
    minPixels: number;
  };
}

/** One photo for a worker: the file and where its outputs go (`<base>.mask.png`, ...). */
export interface PhotoTask {
  file: string;
  base: string;
}

/** A worker's answer: the photo's report, or why it failed (the model, or this photo). */
export type PhotoTaskResult =
  | { ok: true; report: PhotoReport; engine: InferenceEngine }
  | { ok: false; model: boolean; error: string };

/**
 * The most photos 'auto' segments at once: each worker thread holds its own model and engine
 * (about 70 MB with the default model), and on a machine with more cores the engine's own
 * threads share them out better than more copies of the model would.
 */
export const AUTO_JOBS_MAX = 4;

/**
 * The least work, in megapixels over all photos, for which 'auto' starts worker threads. Each
 * thread starts its own copy of the runtime, the model and the engine (about 0.6 s on a 2-core
 * machine before its first photo), which a small folder does not win back: measured on 2 cores
 * (bench/cli-jobs.bench.ts), 120 photos of 480x320 (18 MP) were level with one photo at a time
 * (0.98x wall), 12 of them (1.8 MP) 0.76x, 30 of 1024x768 (24 MP) 1.20x faster.
 */
export const AUTO_JOBS_MIN_MEGAPIXELS = 16;

/**
 * Megapixels of `files` estimated from the headers of up to `sample` of them (their first
 * 256 KB; no pixels decoded): the mean of the readable ones times the count, 0 when none is.
 */
export async function estimateMegapixels(files: readonly string[], sample = 8): Promise<number> {
  const picked = files.slice(0, sample);
  const sizes: number[] = [];
  for (const file of picked) {
    try {
      const handle = await open(file, 'r');
      try {
        const buffer = new Uint8Array(256 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        const { width, height } = readImageHeader(buffer.subarray(0, bytesRead));
        sizes.push((width * height) / 1e6);
      } finally {
        await handle.close();
      }
    } catch {
      // Unreadable or not an image: it will be reported when its turn comes.
    }
  }
  if (sizes.length === 0) return 0;
  return (sizes.reduce((a, b) => a + b, 0) / sizes.length) * files.length;
}

/**
 * How many photos `crack-segment` segments at once. `requested` 'auto' gives one per core
 * (`cores`, at most {@link AUTO_JOBS_MAX}) when the photos hold at least
 * {@link AUTO_JOBS_MIN_MEGAPIXELS} together (`megapixels`), and 1 for less, or when wasm threads were asked for on the tfjs
 * engine (they use the cores already). Always 1 on tfjs-node (the 'tensorflow' backend: its
 * native addon is not made for worker threads, and it threads itself). Never more than the
 * photos.
 *
 * @example
 * const wasm = { backend: 'wasm', engine: 'onnxruntime', wasmThreads: 1 } as const;
 * resolveJobs('auto', { photos: 40, megapixels: 48, cores: 2, ...wasm }); // 2
 * resolveJobs('auto', { photos: 40, megapixels: 6, cores: 2, ...wasm }); // 1: too little work
 * resolveJobs('auto', { photos: 1, megapixels: 12, cores: 8, ...wasm }); // 1
 */
export function resolveJobs(
  requested: number | 'auto',
  context: {
    photos: number;
    megapixels: number;
    cores?: number;
    backend: BackendName;
    engine: InferenceEngine;
    wasmThreads: number;
  },
): number {
  const {
    photos,
    megapixels,
    cores = availableParallelism(),
    backend,
    engine,
    wasmThreads,
  } = context;
  if (backend === 'tensorflow') return 1;
  if (requested !== 'auto') return Math.max(1, Math.min(requested, photos));
  if (engine === 'tfjs' && wasmThreads > 1) return 1;
  if (megapixels < AUTO_JOBS_MIN_MEGAPIXELS) return 1;
  return Math.max(1, Math.min(cores, AUTO_JOBS_MAX, photos));
}

/**
 * onnxruntime threads for each of `jobs` parallel photos: its share of the cores,
 * `floor(cores / jobs)` and at least 1, so that together they start one thread per core
 * (more would spin-wait against each other).
 */
export function engineThreadsPerJob(jobs: number, cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / jobs));
}

/**
 * The built worker module: next to this file in dist/, or in dist/ when this file runs from
 * src/ (the package's own tests, which run after its build).
 */
function workerFile(): string {
  const candidates = [
    new URL('./photo-worker.js', import.meta.url),
    new URL('../../dist/photo-worker.js', import.meta.url),
  ];
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url.href;
  throw new Error(
    `crack-segment: the worker module photo-worker.js is missing next to ${fileURLToPath(import.meta.url)} (build the package)`,
  );
}

/** A pool of `jobs` worker threads, each with its own model, segmenting one photo at a time. */
export interface PhotoPool {
  run(task: PhotoTask): Promise<PhotoTaskResult>;
  /** Stops the threads once their current photos are done. */
  close(): Promise<void>;
}

/**
 * Starts `jobs` worker threads with `settings` (piscina: a well-kept pool that queues tasks and
 * replaces a thread that dies). A thread that crashes fails only its photo.
 */
export function startPhotoPool(settings: PhotoWorkerSettings, jobs: number): PhotoPool {
  const pool = new Piscina({
    filename: workerFile(),
    workerData: settings,
    minThreads: jobs,
    maxThreads: jobs,
    concurrentTasksPerWorker: 1,
    // The default would end idle threads after a second, and their model with them.
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return {
    run: async (task) => {
      try {
        return (await pool.run(task)) as PhotoTaskResult;
      } catch (error) {
        return {
          ok: false,
          model: false,
          error: `worker thread failed: ${(error as Error)?.message ?? String(error)}`,
        };
      }
    },
    close: () => pool.destroy(),
  };
}
