import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@crack/data/node';
import type { IndexRecord } from './batch-job';

// Why one record file per job, compacted later, rather than appending to index.jsonl: a worker
// can die (SIGKILL, OOM, a lost machine) after its outputs are written but before BullMQ hears
// that the job is done; the job is then run again by another worker. An append-only index would
// get a second line for that photo. A record file named after the job id is rewritten instead
// (atomically), so there is exactly one per job however often it runs, and it is written only
// after the outputs are in place. Record files also work on shared file systems where
// concurrent appends from many machines interleave (NFS) or do not exist (object storage).
// `compactIndex` turns them into index.jsonl, one line per job, sorted by input.

/** Folder of the per-job record files under an output folder. */
export const RECORDS_FOLDER = '.index';
/** File name of the compacted results index under an output folder. */
export const INDEX_FILE = 'index.jsonl';

/** Path of the record file of job `id` under `out` (sharded by the id's first two digits). */
export function recordPath(out: string, id: string): string {
  return path.join(out, RECORDS_FOLDER, id.slice(0, 2), `${id}.json`);
}

/** Writes the record of one finished job, atomically (creating its folder). */
export async function writeRecord(out: string, record: IndexRecord): Promise<void> {
  await writeFileAtomic(recordPath(out, record.id), `${JSON.stringify(record)}\n`);
}

/** The record of job `id`, or null when it has none (or an unreadable one). */
export async function readRecord(out: string, id: string): Promise<IndexRecord | null> {
  try {
    return JSON.parse(await readFile(recordPath(out, id), 'utf8')) as IndexRecord;
  } catch {
    return null;
  }
}

/** Options of {@link compactIndex}. */
export interface CompactIndexOptions {
  /** The workers' output folder (`--out`). */
  out: string;
}

/**
 * Writes `<out>/index.jsonl` from the per-job record files: one JSON line per finished job
 * (see {@link IndexRecord}), sorted by input, atomically (readers see the old index or the new
 * one). Safe to run while workers run (it indexes what is finished) and from several machines
 * at once (each writes a complete index). Returns the number of lines. Workers run it when
 * they stop; `crack-batch index --out DIR` runs it on demand.
 */
export async function compactIndex(options: CompactIndexOptions): Promise<number> {
  const { out } = options ?? ({} as CompactIndexOptions);
  if (typeof out !== 'string' || out === '')
    throw new TypeError(`compactIndex: options.out must be a folder path, got ${String(out)}`);
  const records = await readRecords(out);
  records.sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : a.id < b.id ? -1 : 1));
  const file = path.join(out, INDEX_FILE);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.partial`;
  // Streamed: an index of millions of photos need not fit in one string.
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = createWriteStream(temporary);
      stream.on('error', reject);
      const write = (index: number) => {
        let ok = true;
        let i = index;
        while (i < records.length && ok) ok = stream.write(`${JSON.stringify(records[i++])}\n`);
        if (i < records.length) stream.once('drain', () => write(i));
        else stream.end(resolve);
      };
      write(0);
    });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return records.length;
}

/** Options of {@link readIndex}. */
export interface ReadIndexOptions {
  /** The workers' output folder (`--out`). */
  out: string;
  /**
   * Read the per-job record files (what is finished right now) instead of the compacted
   * `index.jsonl`. Default false.
   */
  fresh?: boolean;
}

/**
 * Reads the results index of an output folder: `<out>/index.jsonl`, or with `fresh` the
 * per-job record files directly. One {@link IndexRecord} per finished photo.
 */
export async function readIndex(options: ReadIndexOptions): Promise<IndexRecord[]> {
  const { out, fresh = false } = options ?? ({} as ReadIndexOptions);
  if (typeof out !== 'string' || out === '')
    throw new TypeError(`readIndex: options.out must be a folder path, got ${String(out)}`);
  if (fresh) return readRecords(out);
  const text = await readFile(path.join(out, INDEX_FILE), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as IndexRecord);
}

async function readRecords(out: string): Promise<IndexRecord[]> {
  const root = path.join(out, RECORDS_FOLDER);
  await mkdir(root, { recursive: true });
  const records: IndexRecord[] = [];
  for (const shard of (await readdir(root)).sort()) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    for (const name of (await readdir(path.join(root, shard))).sort()) {
      if (!name.endsWith('.json')) continue; // temporary files of a write in progress
      const text = await readFile(path.join(root, shard, name), 'utf8');
      records.push(JSON.parse(text) as IndexRecord);
    }
  }
  return records;
}
