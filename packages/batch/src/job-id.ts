import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { BatchJobData } from './batch-job';
import { isUrl } from './read-input-list';

/**
 * How a photo is recognised as already queued: `'stat'` (default) by absolute path + size +
 * modification time, which costs one stat and notices a rewritten file; `'content'` by the
 * SHA-256 of the bytes, which reads every file but also merges copies at different paths.
 * URLs are keyed by the URL.
 */
export type DedupMode = 'stat' | 'content';

/** A photo's job, before it is queued. */
export interface DescribedInput {
  /** The BullMQ job id: 40 hex digits of SHA-256 over the dedup key. */
  id: string;
  /** The job's data. */
  data: BatchJobData;
}

/**
 * The job of one input: its data and its id. The id is the first 40 hex digits of SHA-256 over
 * the dedup key, so enqueuing the same photo again names the same BullMQ job, which BullMQ
 * then does not add (it keeps finished jobs, so this holds after they complete or fail).
 */
export async function describeInput(input: string, dedup: DedupMode): Promise<DescribedInput> {
  if (isUrl(input)) {
    const name = decodeURIComponent(new URL(input).pathname.split('/').pop() ?? '') || 'photo';
    return { id: hashKey(`url\0${input}`), data: { input, name: stripExtension(name) } };
  }
  const file = path.resolve(input);
  const stats = await stat(file);
  const name = stripExtension(path.basename(file));
  if (dedup === 'content') {
    const sha256 = await hashFile(file);
    return {
      id: hashKey(`sha256\0${sha256}`),
      data: { input: file, name, size: stats.size, sha256 },
    };
  }
  return {
    id: hashKey(`stat\0${file}\0${stats.size}\0${stats.mtimeMs}`),
    data: { input: file, name, size: stats.size, mtimeMs: stats.mtimeMs },
  };
}

function stripExtension(name: string): string {
  const stem = name.replace(/\.[^.]*$/, '');
  // Output names stay portable: no separators or control characters.
  const portable = [...(stem === '' ? name : stem)]
    .map((c) => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? '_' : c))
    .join('');
  return portable || 'photo';
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
