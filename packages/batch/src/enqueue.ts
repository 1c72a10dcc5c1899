import { statSync } from 'node:fs';
import { expandInputs } from '@crack/runtime/node';
import { type BatchJobData, JOB_NAME } from './batch-job';
import { assertQueueLocation, openQueue, type QueueLocation, redisError } from './connection';
import { type DedupMode, describeInput } from './job-id';
import { isUrl, LIST_EXTENSIONS, readInputList } from './read-input-list';

/** Options of {@link enqueue}. */
export interface EnqueueOptions extends QueueLocation {
  /**
   * What to segment: image files, folders (their .jpg/.png files), globs, http(s) URLs, and
   * lists of paths or URLs (`.txt`/`.list`: one per line; `.jsonl`/`.ndjson`: a string or
   * `{ "input" | "path" | "url": ... }` per line; relative paths are relative to the list).
   */
  inputs: readonly string[];
  /** How an input already queued is recognised (see {@link DedupMode}). Default 'stat'. */
  dedup?: DedupMode;
  /**
   * Attempts per photo before it fails for good, 1-100. Default 3. Transient errors (a full
   * disk, a network error fetching a URL) are retried with exponential backoff; bad photos
   * (unreadable, not an image, too large) fail at the first attempt.
   */
  attempts?: number;
  /** First retry delay in ms, doubled at each retry. Default 2000. */
  backoffMs?: number;
}

/** What {@link enqueue} did. */
export interface EnqueueResult {
  /** Photos named by the inputs (after expanding folders, globs and lists). */
  total: number;
  /** Jobs added to the queue. */
  added: number;
  /** Photos already in the queue (waiting, active, done or failed): not added again. */
  existing: number;
  /** Inputs that named nothing usable, with the reason; nothing was queued for them. */
  problems: InputProblem[];
}

/** An input that named nothing usable. */
export interface InputProblem {
  /** The input as given (or the list entry). */
  input: string;
  /** Why, e.g. 'no such file or folder'. */
  message: string;
}

/** How many jobs are described and added per round trip. */
const CHUNK = 500;

/**
 * Adds one job per photo to the queue, skipping photos queued before. A job's id is derived
 * from the photo's dedup key (path + size + mtime, or its content hash; see {@link DedupMode}),
 * and BullMQ adds nothing for an id it holds already, so enqueuing the same inputs twice adds
 * nothing the second time, even while workers run. Finished jobs are kept in Redis for that
 * reason (about 1 kB each).
 *
 * Inputs are checked here only as far as naming files goes (missing paths, empty folders are
 * `problems`); whether a file is a usable image is found out by the worker, which fails it
 * permanently with the reason.
 *
 * @example
 * const result = await enqueue({ redis: 'redis://127.0.0.1:6379', queue: 'survey', inputs: ['photos/'] });
 * // { total: 237, added: 237, existing: 0, problems: [] }
 */
export async function enqueue(options: EnqueueOptions): Promise<EnqueueResult> {
  assertQueueLocation(options, 'enqueue');
  const { inputs, dedup = 'stat', attempts = 3, backoffMs = 2000 } = options;
  if (!Array.isArray(inputs) || inputs.some((input) => typeof input !== 'string'))
    throw new TypeError('enqueue: options.inputs must be an array of strings');
  if (dedup !== 'stat' && dedup !== 'content')
    throw new RangeError(`enqueue: options.dedup must be 'stat' or 'content', got '${dedup}'`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100)
    throw new RangeError(
      `enqueue: options.attempts must be an integer in [1, 100], got ${attempts}`,
    );
  if (!(Number.isFinite(backoffMs) && backoffMs >= 0))
    throw new RangeError(`enqueue: options.backoffMs must be a number >= 0, got ${backoffMs}`);

  const { items, problems } = await expandAll(inputs);
  const queue = openQueue<BatchJobData>(options, 'enqueue');
  let added = 0;
  let existing = 0;
  try {
    for (let start = 0; start < items.length; start += CHUNK) {
      const described: Array<Awaited<ReturnType<typeof describeInput>>> = [];
      for (const input of items.slice(start, start + CHUNK)) {
        try {
          described.push(await describeInput(input, dedup));
        } catch (error) {
          problems.push({ input, message: (error as Error).message });
        }
      }
      // Two inputs of one call can share an id (a file named twice, copies with dedup 'content').
      const unique = [...new Map(described.map((d) => [d.id, d])).values()];
      existing += described.length - unique.length;
      const states = await Promise.all(unique.map(({ id }) => queue.getJobState(id)));
      const fresh = unique.filter((_, i) => states[i] === 'unknown');
      existing += unique.length - fresh.length;
      if (fresh.length === 0) continue;
      // BullMQ itself skips ids it holds, so a concurrent enqueue of the same photos is safe;
      // the count above is only what this call reports.
      await queue.addBulk(
        fresh.map(({ id, data }) => ({
          name: JOB_NAME,
          data,
          opts: {
            jobId: id,
            attempts,
            backoff: { type: 'exponential', delay: backoffMs },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
      added += fresh.length;
    }
  } catch (error) {
    throw redisError(error, options, 'enqueue');
  } finally {
    await queue.close();
  }
  return { total: added + existing, added, existing, problems };
}

/** Files (via @crack/runtime's expandInputs), URLs, and the entries of list files. */
async function expandAll(inputs: readonly string[]) {
  const items: string[] = [];
  const problems: EnqueueResult['problems'] = [];
  const seen = new Set<string>();
  const add = (item: string) => {
    if (seen.has(item)) return;
    seen.add(item);
    items.push(item);
  };
  const expandPaths = async (paths: string[]) => {
    const urls = paths.filter(isUrl);
    for (const url of urls) add(url);
    const expanded = await expandInputs(paths.filter((p) => !isUrl(p)));
    problems.push(...expanded.problems);
    for (const file of expanded.files) add(file);
  };
  for (const input of inputs) {
    if (LIST_EXTENSIONS.test(input) && isFile(input)) {
      try {
        await expandPaths(await readInputList(input));
      } catch (error) {
        problems.push({ input, message: (error as Error).message });
      }
    } else {
      await expandPaths([input]);
    }
  }
  return { items, problems };
}

function isFile(input: string): boolean {
  try {
    return statSync(input).isFile();
  } catch {
    return false;
  }
}
