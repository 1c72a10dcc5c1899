import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../image/decode-image.js';
import { readImageHeader } from '../image/read-image-header.js';
import { binarizeMask, type Sample, type SampleSource } from '../sample.js';

/** Options for {@link loadFolderDataset}. */
export interface LoadFolderDatasetOptions {
  /** Skip invalid pairs (listed in `dataset.problems`) instead of throwing. Default false. */
  skipInvalid?: boolean;
  /**
   * How pairs are checked up front: `'decode'` fully decodes every image and mask, one at a
   * time (catches truncated files; about 6 ms per 480x320 JPEG); `'header'` reads only the
   * file headers (fast for huge folders; a file corrupt past its header then fails in `get`).
   * Default `'decode'`.
   */
  validate?: 'decode' | 'header';
  /** Sub-folder of the photos. Default `'images'`. */
  imagesDir?: string;
  /** Sub-folder of the masks. Default `'masks'`. */
  masksDir?: string;
}

/** One problem found while loading a folder: which file and what is wrong. */
export interface FolderProblem {
  /** Sample id (basename without extension). */
  id: string;
  /** Path of the offending file, relative to the dataset folder. */
  file: string;
  /** What is wrong, e.g. "no mask masks/007.*" or "size 480x320 does not match mask 320x480". */
  problem: string;
}

/** Thrown by {@link loadFolderDataset} with every problem found, not just the first. */
export class FolderDatasetError extends Error {
  /** All problems, in id order. */
  readonly problems: readonly FolderProblem[];

  constructor(dir: string, problems: readonly FolderProblem[]) {
    super(
      `loadFolderDataset: ${problems.length} invalid file(s) in ${dir} (pass skipInvalid: true to skip them):\n${problems
        .map((p) => `  ${p.file}: ${p.problem}`)
        .join('\n')}`,
    );
    this.name = 'FolderDatasetError';
    this.problems = problems;
  }
}

/** A lazily decoding image/mask dataset from a folder: see {@link loadFolderDataset}. */
export interface FolderDataset extends SampleSource {
  /** The dataset folder. */
  readonly dir: string;
  /** Problems of the pairs that were skipped (empty unless `skipInvalid`). */
  readonly problems: readonly FolderProblem[];
  /** Folds from `folds.json` if the folder has one (restricted to the loaded ids), else undefined. */
  readonly folds: string[][] | undefined;
  /** The samples with these ids (in the given order), e.g. one fold's training set. */
  select(ids: readonly string[]): SampleSource;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * Opens a folder laid out as `images/<id>.jpg|png` + `masks/<id>.png|jpg` (+ optional
 * `folds.json`), the layout of CFD and of {@link downloadCfd}. Images and masks are paired by
 * basename; masks are binarised (> 127 is crack; 0/1 masks are accepted too).
 *
 * Every pair is checked first (see `validate`): unreadable or corrupt files, an image without
 * a mask (or a mask without an image) and image/mask size mismatches are collected by file
 * name; the call then throws a {@link FolderDatasetError} listing all of them, or with
 * `skipInvalid` leaves those ids out and reports them in `dataset.problems`.
 *
 * Nothing stays decoded: `get(i)` and iteration decode one sample on demand, so a folder of
 * 10,000 photos costs 10,000 file names, not 10,000 images.
 */
export async function loadFolderDataset(
  dir: string,
  options: LoadFolderDatasetOptions = {},
): Promise<FolderDataset> {
  const {
    skipInvalid = false,
    validate = 'decode',
    imagesDir = 'images',
    masksDir = 'masks',
  } = options;
  if (typeof dir !== 'string' || dir === '')
    throw new TypeError(
      `loadFolderDataset: dir must be a non-empty path string, got ${String(dir)}`,
    );
  if (validate !== 'decode' && validate !== 'header')
    throw new RangeError(
      `loadFolderDataset: options.validate must be 'decode' or 'header', got ${validate}`,
    );
  const problems: FolderProblem[] = [];
  const images = await listImages(dir, imagesDir, problems);
  const masks = await listImages(dir, masksDir, problems);
  const ids = [...new Set([...images.keys(), ...masks.keys()])].sort();
  const valid: string[] = [];
  for (const id of ids) {
    const image = images.get(id);
    const mask = masks.get(id);
    if (!image) {
      problems.push({
        id,
        file: mask as string,
        problem: `no image ${imagesDir}/${id}.* for this mask`,
      });
      continue;
    }
    if (!mask) {
      problems.push({ id, file: image, problem: `no mask ${masksDir}/${id}.* for this image` });
      continue;
    }
    const imageSize = await checkFile(dir, image, validate, 3, id, problems);
    const maskSize = await checkFile(dir, mask, validate, 1, id, problems);
    if (!imageSize || !maskSize) continue;
    if (imageSize.width !== maskSize.width || imageSize.height !== maskSize.height) {
      problems.push({
        id,
        file: image,
        problem: `size ${imageSize.width}x${imageSize.height} does not match mask ${mask} (${maskSize.width}x${maskSize.height})`,
      });
      continue;
    }
    valid.push(id);
  }
  problems.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (problems.length > 0 && !skipInvalid) throw new FolderDatasetError(dir, problems);

  const load = async (id: string): Promise<Sample> => {
    const imageFile = images.get(id) as string;
    const maskFile = masks.get(id) as string;
    const image = decodeImage(await readFile(path.join(dir, imageFile)), {
      channels: 3,
      name: imageFile,
    });
    const maskImage = decodeImage(await readFile(path.join(dir, maskFile)), {
      channels: 1,
      name: maskFile,
    });
    if (image.width !== maskImage.width || image.height !== maskImage.height)
      throw new Error(
        `loadFolderDataset: ${imageFile}: size ${image.width}x${image.height} does not match mask ${maskFile}`,
      );
    return {
      id,
      image,
      mask: binarizeMask(maskImage.data),
      width: image.width,
      height: image.height,
    };
  };
  const folds = await readFolds(dir, new Set(valid));
  return Object.assign(sourceOf(valid, load, 'loadFolderDataset'), {
    dir,
    problems,
    folds,
    select(selected: readonly string[]): SampleSource {
      const known = new Set(valid);
      const unknown = selected.filter((id) => !known.has(id));
      if (unknown.length)
        throw new RangeError(
          `select: unknown id(s) ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''} in ${dir}`,
        );
      return sourceOf([...selected], load, 'select');
    },
  });
}

function sourceOf(
  ids: readonly string[],
  load: (id: string) => Promise<Sample>,
  fn: string,
): SampleSource {
  return {
    ids,
    size: ids.length,
    get(index: number) {
      if (!Number.isInteger(index) || index < 0 || index >= ids.length)
        return Promise.reject(
          new RangeError(
            `${fn}: get(index): index must be an integer from 0 to ${ids.length - 1}, got ${index}`,
          ),
        );
      return load(ids[index] as string);
    },
    async *[Symbol.asyncIterator]() {
      for (const id of ids) yield await load(id);
    },
  };
}

async function listImages(
  dir: string,
  sub: string,
  problems: FolderProblem[],
): Promise<Map<string, string>> {
  const folder = path.join(dir, sub);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    throw new Error(
      `loadFolderDataset: cannot read folder ${folder} (${(error as Error).message}); expected ${sub}/ inside ${dir}`,
      {
        cause: error,
      },
    );
  }
  const found = new Map<string, string>();
  for (const name of names.sort()) {
    const extension = path.extname(name).toLowerCase();
    if (!IMAGE_EXTENSIONS.has(extension)) continue;
    const id = path.basename(name, path.extname(name));
    const file = `${sub}/${name}`;
    const previous = found.get(id);
    if (previous)
      problems.push({ id, file, problem: `two files for one id: ${previous} and ${file}` });
    else found.set(id, file);
  }
  return found;
}

async function checkFile(
  dir: string,
  file: string,
  validate: 'decode' | 'header',
  channels: 1 | 3,
  id: string,
  problems: FolderProblem[],
): Promise<{ width: number; height: number } | undefined> {
  try {
    const full = path.join(dir, file);
    if (!(await stat(full)).isFile()) throw new Error('not a regular file');
    const bytes = await readFile(full);
    if (validate === 'header') return readImageHeader(bytes, { name: file });
    // Decoded pixels are dropped right away: only the size is kept.
    const { width, height } = decodeImage(bytes, { name: file, channels });
    return { width, height };
  } catch (error) {
    problems.push({ id, file, problem: problemText(error, file) });
    return undefined;
  }
}

/** The error message without the "fn: file: " prefix the decoders add. */
function problemText(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = message.indexOf(`${file}: `);
  return prefix >= 0 ? message.slice(prefix + file.length + 2) : message;
}

async function readFolds(dir: string, ids: Set<string>): Promise<string[][] | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'folds.json'), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `loadFolderDataset: ${path.join(dir, 'folds.json')} is not valid JSON (${(error as Error).message})`,
    );
  }
  const folds = (parsed as { folds?: unknown })?.folds;
  if (
    !Array.isArray(folds) ||
    !folds.every((f) => Array.isArray(f) && f.every((id) => typeof id === 'string'))
  )
    throw new Error(
      `loadFolderDataset: ${path.join(dir, 'folds.json')}: "folds" must be an array of arrays of id strings`,
    );
  return (folds as string[][]).map((fold) => fold.filter((id) => ids.has(id)));
}
