// The on-disk format of a teacher-logit cache, shared by the writer and the reader.
//
// DIR/index.json       the index below, written last (so a cache without it is incomplete)
// DIR/<n>-<id>.f16|f32 one file per sample: its logits, row-major [height, width, channels],
//                      little-endian float16 or float32, nothing else in the file
import type { TeacherLogitsDtype } from './types';

export const INDEX_FILE = 'index.json';
export const FORMAT = 'crack-teacher-logits';
export const FORMAT_VERSION = 1;
export const NORMALISATION = '(x - 127.5) / 127.5';

export interface IndexEntry {
  id: string;
  file: string;
  /** [height, width, channels] of the teacher's output for this sample. */
  shape: [number, number, number];
}

export interface CacheIndex {
  format: typeof FORMAT;
  version: typeof FORMAT_VERSION;
  dtype: TeacherLogitsDtype;
  byteOrder: 'little-endian';
  /** The teacher's {@link teacherFingerprint}. */
  fingerprint: string;
  /** How images were normalised before the teacher (eq 3-4). */
  normalisation: typeof NORMALISATION;
  samples: IndexEntry[];
}

export const bytesPerValue = (dtype: TeacherLogitsDtype): number => (dtype === 'float16' ? 2 : 4);

/** A file name that is unique (the ordinal), readable (the id) and safe on every file system. */
export function sampleFileName(ordinal: number, id: string, dtype: TeacherLogitsDtype): string {
  const readable = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${String(ordinal).padStart(6, '0')}-${readable}.${dtype === 'float16' ? 'f16' : 'f32'}`;
}

const isDimension = (n: unknown): boolean => Number.isInteger(n) && (n as number) > 0;

/** Checks a parsed index.json; `where` names the file in the error. */
export function parseIndex(caller: string, where: string, value: unknown): CacheIndex {
  const fail = (what: string): never => {
    throw new Error(`${caller}: ${where} is not a teacher-logit cache index: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const index = value as Partial<CacheIndex>;
  if (index.format !== FORMAT) fail(`format must be '${FORMAT}', got ${String(index.format)}`);
  if (index.version !== FORMAT_VERSION)
    fail(`version must be ${FORMAT_VERSION}, got ${String(index.version)}`);
  if (index.dtype !== 'float16' && index.dtype !== 'float32')
    fail(`dtype must be 'float16' or 'float32', got ${String(index.dtype)}`);
  if (typeof index.fingerprint !== 'string') fail('fingerprint is missing');
  if (!Array.isArray(index.samples)) fail('samples must be an array');
  for (const [i, entry] of (index.samples ?? []).entries()) {
    if (
      typeof entry?.id !== 'string' ||
      typeof entry.file !== 'string' ||
      entry.file.includes('/') ||
      entry.file.includes('\\') ||
      !Array.isArray(entry.shape) ||
      entry.shape.length !== 3 ||
      !entry.shape.every(isDimension)
    )
      fail(`samples[${i}] must be { id, file, shape: [height, width, channels] }`);
  }
  return index as CacheIndex;
}
