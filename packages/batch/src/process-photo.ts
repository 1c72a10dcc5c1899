import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { type DecodedImage, decodeImage, ImageDecodeError } from '@crack/data/image';
import {
  type PhotoOutputOptions,
  type PhotoOutputs,
  type PixelImage,
  photoOutputPaths,
  type Segmenter,
  segmentPhotoOutputs,
  writeOutputSet,
} from '@crack/runtime/node';
import { UnrecoverableError } from 'bullmq';
import type { BatchJobData, IndexRecord } from './batch-job';
import { isUrl } from './read-input-list';
import { readRecord, writeRecord } from './results-index';
import type { SerialSection } from './serial-section';

/** Folder (under the output folder) for the temporary files of output sets being written. */
export const PARTIAL_FOLDER = '.partial';

/** Everything a worker needs to turn one job into outputs; resolved by {@link startWorker}. */
export interface PhotoJobSettings extends PhotoOutputOptions {
  /** Output folder, absolute. */
  out: string;
  /** The model's name in the index. */
  model: string;
  /** Preprocessing mode. */
  mode: 'full' | 'thesis';
  /** Mask threshold. */
  threshold: number;
  /** Largest accepted input in bytes. */
  maxBytes: number;
  /** Largest accepted image in megapixels. */
  maxMegapixels: number;
  /** Timeout of one URL download in ms. */
  fetchTimeoutMs: number;
}

/** The parts of a BullMQ job a photo job reads. */
export interface PhotoJob {
  /** The job id (outputs and the record are named after it). */
  id?: string;
  /** What was queued. */
  data: BatchJobData;
  /** Attempts started before this one (BullMQ's `attemptsMade`). */
  attemptsMade: number;
  /**
   * How often the job has been started, this time included (BullMQ's `attemptsStarted`; a job
   * taken up again after its worker died counts again). 1: no earlier start can have left
   * temporary files, and `.partial` is not listed. Default: unknown, the folder is listed.
   */
  attemptsStarted?: number;
  /** When the job was added (ms). */
  timestamp: number;
  /** When this attempt started (ms). */
  processedOn?: number;
}

/** What {@link processPhotoJob} did. */
export interface PhotoJobOutcome {
  /** The index record of the photo (the earlier one when skipped). */
  record: IndexRecord;
  /** True when the outputs and record existed already and nothing was written. */
  skipped: boolean;
}

/** How {@link processPhotoJob} shares its worker's segmenter. */
export interface ProcessPhotoOptions {
  /**
   * Where the photo is decoded, segmented and its outputs encoded: a worker that holds two jobs
   * passes a {@link SerialSection} shared by both, so that one photo at a time uses the model
   * while the other's record check, read, output writes and index record wait on the disk, the
   * network or Redis. Default: right away.
   */
  section?: SerialSection;
}

/** A photo that will never work (not a transient error): BullMQ fails it at once. */
function permanent(message: string): UnrecoverableError {
  return new UnrecoverableError(message);
}

/** `<out>/<name>-<first 8 digits of the id>`: unique per job, the same on every attempt. */
export function jobOutputBase(out: string, id: string, name: string): string {
  return path.join(out, `${name}-${id.slice(0, 8)}`);
}

/**
 * Runs one photo job: read the photo, then (in `options.section`) decode and segment it and
 * encode its outputs, then write them as a set (temporary files in `<out>/.partial`, then
 * renames) and last its index record. Idempotent: a job whose record and outputs exist already
 * with the same model and options is skipped (returns that record), and a rerun otherwise
 * rewrites the same files with the same bytes. Bad photos throw BullMQ's `UnrecoverableError` naming the problem; anything
 * else (a full disk, a network error) is left to BullMQ's retries.
 */
export async function processPhotoJob(
  job: PhotoJob,
  segmenter: Segmenter<PixelImage>,
  settings: PhotoJobSettings,
  options: ProcessPhotoOptions = {},
): Promise<PhotoJobOutcome> {
  const started = performance.now();
  const section = options.section ?? runNow;
  const id = job.id;
  if (!id) throw permanent('the job has no id');
  const { data } = job;
  if (!data || typeof data.input !== 'string' || typeof data.name !== 'string')
    throw permanent(
      `job ${id}: malformed data (expected { input, name }), got ${JSON.stringify(data)}`,
    );

  const base = jobOutputBase(settings.out, id, data.name);
  const expected = photoOutputPaths(base, settings);
  const previous = await readRecord(settings.out, id);
  if (previous && sameWork(previous, expected, settings) && (await allExist(expected)))
    return { record: previous, skipped: true };

  const partial = path.join(settings.out, PARTIAL_FOLDER);
  // Only an earlier start of this job, killed while writing, can have left temporary files.
  if (job.attemptsStarted === undefined || job.attemptsStarted > 1)
    await removeLeftovers(partial, path.basename(base));

  const bytes = await readPhotoBytes(data, settings);
  const readyAt = performance.now();
  // In the section: the computing (decode, segment, encode the outputs). The writes follow
  // outside it, so this photo's files go to disk while the next photo is segmented.
  const { waitMs, decodeMs, report, files, encodeMs } = await section(async () => {
    const enteredAt = performance.now();
    const image = decodePhoto(bytes, data, settings);
    const decodedAt = performance.now();
    const { report, files } = await segmentPhotoOutputs(segmenter, image, {
      input: data.input,
      base,
      overlay: settings.overlay,
      probabilities: settings.probabilities,
      measure: settings.measure,
      mmPerPixel: settings.mmPerPixel,
      minPixels: settings.minPixels,
    });
    return {
      waitMs: enteredAt - readyAt,
      decodeMs: decodedAt - enteredAt,
      report,
      files,
      encodeMs: Math.max(0, performance.now() - decodedAt - report.timings.totalMs),
    };
  });
  const writeStart = performance.now();
  await writeOutputSet(files, { temporaryFolder: partial });
  const writeMs = encodeMs + performance.now() - writeStart;
  const readMs = readyAt - started + decodeMs;
  const record: IndexRecord = {
    id,
    input: data.input,
    ...(data.size === undefined ? {} : { size: data.size }),
    ...(data.mtimeMs === undefined ? {} : { mtimeMs: data.mtimeMs }),
    ...(data.sha256 === undefined ? {} : { sha256: data.sha256 }),
    outputs: report.outputs,
    width: report.width,
    height: report.height,
    crackPixels: report.crackPixels,
    crackFraction: report.crackFraction,
    ...(report.measurements ? { measurements: report.measurements } : {}),
    model: settings.model,
    mode: settings.mode,
    threshold: settings.threshold,
    timings: {
      readMs: round(readMs),
      segment: {
        preprocessMs: round(report.timings.preprocessMs),
        inferenceMs: round(report.timings.inferenceMs),
        postprocessMs: round(report.timings.postprocessMs),
        totalMs: round(report.timings.totalMs),
      },
      writeMs: round(writeMs),
      segmenterWaitMs: round(waitMs),
      jobMs: round(performance.now() - started),
      waitMs: Math.max(0, (job.processedOn ?? Date.now()) - job.timestamp),
    },
    worker: workerName(),
    attempt: job.attemptsMade + 1,
    finishedAt: new Date().toISOString(),
  };
  // The record comes last: it is the proof that the outputs are complete.
  await writeRecord(settings.out, record);
  return { record, skipped: false };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

const runNow: SerialSection = (task) => task();

let thisWorker: string | undefined;
/** `<host>:<pid>` of this process (the host name is a system call; asked once). */
function workerName(): string {
  thisWorker ??= `${hostname()}:${process.pid}`;
  return thisWorker;
}

function sameWork(
  record: IndexRecord,
  expected: PhotoOutputs,
  settings: PhotoJobSettings,
): boolean {
  return (
    record.model === settings.model &&
    record.mode === settings.mode &&
    record.threshold === settings.threshold &&
    JSON.stringify(record.outputs) === JSON.stringify(expected)
  );
}

async function allExist(outputs: PhotoOutputs): Promise<boolean> {
  for (const file of Object.values(outputs)) {
    if (file === undefined) continue;
    try {
      await stat(file);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Temporary files an earlier attempt of this job left behind when its worker was killed. The
 * folder holds only sets being written, so listing it stays cheap however many photos are done.
 */
async function removeLeftovers(partial: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(partial);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((name) => name.startsWith(`${prefix}.`))
      .map((name) => rm(path.join(partial, name), { force: true })),
  );
}

/** Permanent errno codes of reading a file: the photo will not become readable by retrying. */
const PERMANENT_READ_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP']);

function readPhotoBytes(data: BatchJobData, settings: PhotoJobSettings): Promise<Uint8Array> {
  return isUrl(data.input) ? fetchPhoto(data.input, settings) : readPhotoFile(data, settings);
}

function decodePhoto(
  bytes: Uint8Array,
  data: BatchJobData,
  settings: PhotoJobSettings,
): DecodedImage {
  try {
    return decodeImage(bytes, {
      channels: 3,
      name: data.input,
      maxMegapixels: settings.maxMegapixels,
    });
  } catch (error) {
    if (error instanceof ImageDecodeError)
      throw permanent(`not a usable image (${error.problem}): ${error.message}`);
    throw error;
  }
}

async function readPhotoFile(data: BatchJobData, settings: PhotoJobSettings): Promise<Uint8Array> {
  const file = data.input;
  let size: number;
  let mtimeMs: number;
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw permanent(`cannot read ${file}: not a regular file`);
    ({ size, mtimeMs } = stats);
  } catch (error) {
    throw classifyReadError(file, error);
  }
  if (size > settings.maxBytes)
    throw permanent(
      `too large: ${file} has ${size} bytes, more than maxBytes ${settings.maxBytes}`,
    );
  // Deduplication keyed the job on (path, size, mtime): a file rewritten since is a different
  // photo, and its outputs would be filed under the old one's key.
  if (data.mtimeMs !== undefined && (size !== data.size || mtimeMs !== data.mtimeMs))
    throw permanent(
      `changed since it was enqueued: ${file} (size ${data.size} -> ${size}, mtime ${new Date(data.mtimeMs).toISOString()} -> ${new Date(mtimeMs).toISOString()}); enqueue it again`,
    );
  try {
    return await readFile(file);
  } catch (error) {
    throw classifyReadError(file, error);
  }
}

function classifyReadError(file: string, error: unknown): Error {
  if (error instanceof UnrecoverableError) return error;
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const message = `cannot read ${file}: ${(error as Error)?.message ?? String(error)}`;
  return PERMANENT_READ_ERRORS.has(code) ? permanent(message) : new Error(message);
}

async function fetchPhoto(url: string, settings: PhotoJobSettings): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(settings.fetchTimeoutMs) });
  } catch (error) {
    // Network errors and timeouts are transient: BullMQ retries with backoff.
    throw new Error(`cannot download ${url}: ${(error as Error)?.message ?? String(error)}`);
  }
  if (!response.ok) {
    const message = `cannot download ${url}: HTTP ${response.status} ${response.statusText}`;
    // 408, 429 and 5xx may pass; other statuses (404, 403, 410, ...) will not.
    if (response.status === 408 || response.status === 429 || response.status >= 500)
      throw new Error(message);
    throw permanent(message);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > settings.maxBytes) {
    await response.body?.cancel();
    throw permanent(
      `too large: ${url} has ${declared} bytes, more than maxBytes ${settings.maxBytes}`,
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > settings.maxBytes)
    throw permanent(
      `too large: ${url} has ${bytes.length} bytes, more than maxBytes ${settings.maxBytes}`,
    );
  return bytes;
}
