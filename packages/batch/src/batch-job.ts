import type { CrackMeasurements, PhotoOutputs, SegmentTimings } from '@crack/runtime/node';

/** The BullMQ job name of every photo job. */
export const JOB_NAME = 'segment';

/** What a queued photo job carries (BullMQ's `job.data`). */
export interface BatchJobData {
  /** Absolute path of the photo, or its http(s) URL. */
  input: string;
  /** File name without extension: the outputs are `<out>/<name>-<id prefix>.mask.png`, ... */
  name: string;
  /** Size in bytes when enqueued (files only). */
  size?: number;
  /** Modification time in ms when enqueued (files only, path + size + mtime dedup). */
  mtimeMs?: number;
  /** SHA-256 of the bytes (files enqueued with `dedup: 'content'`). */
  sha256?: string;
}

/**
 * One line of the results index (`<out>/index.jsonl`) and of the per-job record files it is
 * compacted from (`<out>/.index/<id[0..1]>/<id>.json`).
 */
export interface IndexRecord {
  /** The BullMQ job id (derived from the dedup key, see {@link enqueue}). */
  id: string;
  /** The photo: absolute path or URL. */
  input: string;
  /** Size in bytes at enqueue time (files). */
  size?: number;
  /** Modification time at enqueue time (files). */
  mtimeMs?: number;
  /** SHA-256 of the bytes (with `dedup: 'content'`). */
  sha256?: string;
  /** Output files by kind, absolute paths. */
  outputs: PhotoOutputs;
  /** Photo width in pixels. */
  width: number;
  /** Photo height in pixels. */
  height: number;
  /** Mask pixels that are crack. */
  crackPixels: number;
  /** `crackPixels / (width * height)`. */
  crackFraction: number;
  /** With `measure`: per crack and totals (count, length, widths), as in `<base>.cracks.json`. */
  measurements?: CrackMeasurements;
  /** The model that made the mask: a path, URL or `@crack/models/<id>`. */
  model: string;
  /** The preprocessing mode. */
  mode: 'full' | 'thesis';
  /** The mask threshold. */
  threshold: number;
  /** Where the job's time went. */
  timings: IndexTimings;
  /** Which worker did it: `<host>:<pid>`. */
  worker: string;
  /** BullMQ attempt number (1 = first). */
  attempt: number;
  /** ISO time at which the outputs were complete. */
  finishedAt: string;
}

/** Milliseconds of one job, by phase ({@link IndexRecord.timings}). */
export interface IndexTimings {
  /** Checking, reading (or downloading) and decoding the photo. */
  readMs: number;
  /** The segment() call, by phase. */
  segment: SegmentTimings;
  /**
   * Encoding and writing the output set. The writing overlaps the worker's next photo, whose
   * computing can hold the event loop: this is wall time, not the disk's.
   */
  writeMs: number;
  /**
   * Waiting, with the photo read, for the worker's other job to finish using the model (a
   * worker reads its next photo while it segments one). Absent in records of older versions.
   */
  segmenterWaitMs?: number;
  /** The whole job in the worker, up to writing the record. */
  jobMs: number;
  /** From enqueue to the start of this attempt. */
  waitMs: number;
}

/**
 * What a finished job keeps in Redis (BullMQ's `returnvalue`): a small summary, so millions of
 * finished jobs stay cheap; the full record is in the index.
 */
export interface BatchJobResult {
  /** Output files by kind. */
  outputs: PhotoOutputs;
  /** Mask pixels that are crack. */
  crackPixels: number;
  /** True when the outputs existed already and the job was skipped. */
  skipped: boolean;
}
