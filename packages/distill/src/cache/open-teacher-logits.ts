import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { float16BitsToFloat32 } from '@crack/data';
import { teacherFingerprint } from './fingerprint';
import { bytesPerValue, INDEX_FILE, type IndexEntry, parseIndex } from './format';
import type { Teacher, TeacherLogitsDtype } from './types';

/** Options for {@link openTeacherLogits}. */
export interface OpenTeacherLogitsOptions {
  /**
   * The teacher the logits must come from. When given, a cache written by any other teacher (a
   * different weight fingerprint) is refused with an error. Default: no check.
   */
  teacher?: Teacher;
}

/** A teacher-logit cache opened for reading; see {@link openTeacherLogits}. */
export interface TeacherLogits {
  /** The folder the cache was opened from. */
  readonly dir: string;
  /** Storage precision on disk; {@link TeacherLogits.get} always returns float32. */
  readonly dtype: TeacherLogitsDtype;
  /** SHA-256 fingerprint of the teacher that wrote the cache. */
  readonly fingerprint: string;
  /** Sample ids, in the order they were written. */
  readonly ids: readonly string[];
  /** Whether the cache holds logits for this sample id. */
  has(id: string): boolean;
  /** `[height, width, channels]` of one sample's logits. Throws for an unknown id. */
  shape(id: string): [number, number, number];
  /** One sample's logits, row-major HWC, decoded to float32 (read from disk on each call). */
  get(id: string): Float32Array;
}

const NAME = 'openTeacherLogits';

/**
 * Opens a cache written by {@link cacheTeacherLogits} and reads logits back by sample id. With
 * `{ teacher }`, refuses (throws) when the cache's fingerprint is not that teacher's, so a student
 * is never distilled from a stale teacher.
 */
export async function openTeacherLogits(
  dir: string,
  options: OpenTeacherLogitsOptions = {},
): Promise<TeacherLogits> {
  if (typeof dir !== 'string' || dir === '')
    throw new TypeError(`${NAME}: dir must be a non-empty path, got ${String(dir)}`);
  const { teacher } = options ?? {};
  const indexPath = path.join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (error) {
    throw new Error(
      `${NAME}: no teacher-logit cache in ${dir} (cannot read ${INDEX_FILE}: ${(error as Error).message}); ` +
        'write one with cacheTeacherLogits',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${NAME}: ${indexPath} is not valid JSON: ${(error as Error).message}`);
  }
  const index = parseIndex(NAME, indexPath, parsed);
  if (teacher !== undefined) {
    const actual = await teacherFingerprint(teacher);
    if (actual !== index.fingerprint)
      throw new Error(
        `${NAME}: the cache in ${dir} was written by a different teacher (cache fingerprint ` +
          `${index.fingerprint}, options.teacher has ${actual}); rebuild it with cacheTeacherLogits`,
      );
  }
  const byId = new Map<string, IndexEntry>(index.samples.map((entry) => [entry.id, entry]));
  const entryOf = (caller: string, id: string): IndexEntry => {
    const entry = byId.get(id);
    if (entry === undefined)
      throw new Error(`${caller}: no sample with id '${id}' in the cache in ${dir}`);
    return entry;
  };
  const width = bytesPerValue(index.dtype);
  return {
    dir,
    dtype: index.dtype,
    fingerprint: index.fingerprint,
    ids: Object.freeze(index.samples.map((entry) => entry.id)),
    has: (id) => byId.has(id),
    shape: (id) => [...entryOf('TeacherLogits.shape', id).shape],
    get(id) {
      const entry = entryOf('TeacherLogits.get', id);
      const bytes = readFileSync(path.join(dir, entry.file));
      const count = entry.shape[0] * entry.shape[1] * entry.shape[2];
      if (bytes.length !== count * width)
        throw new Error(
          `TeacherLogits.get: ${entry.file} holds ${bytes.length} bytes, expected ${count * width} ` +
            `for shape [${entry.shape.join(',')}] ${index.dtype}; the cache is damaged, rebuild it`,
        );
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float32Array(count);
      if (index.dtype === 'float16')
        for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(i * 2, true));
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    },
  };
}
