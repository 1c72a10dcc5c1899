import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CFD_IDS, thesisFoldsFile } from '../cfd/cfd-folds.js';
import { CFD_BASE_URL } from '../cfd/cfd-source.js';
import { decodeSeg } from '../cfd/decode-seg.js';
import { decodeImage } from '../image/decode-image.js';
import { encodePng } from '../image/encode-png.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Options for {@link downloadCfd}. */
export interface DownloadCfdOptions {
  /** Base URL holding `image/NNN.jpg` and `seg/NNN.seg`. Default {@link CFD_BASE_URL} (GitHub). */
  baseUrl?: string;
  /** Which images to fetch. Default all 118 ({@link CFD_IDS}). */
  ids?: readonly string[];
  /** Time limit per request in milliseconds; a dead network fails after this. Default 10000. */
  timeoutMs?: number;
  /** Parallel requests, 1-16. Default 4. */
  concurrency?: number;
  /** Extra attempts after a dropped connection or an HTTP 5xx (not after "unreachable"). Default 2. */
  retries?: number;
  /** Called once per file written or found complete, e.g. for a progress line. */
  onFile?: (file: string, action: 'downloaded' | 'skipped') => void;
  /** Cancels the download. */
  signal?: AbortSignal;
}

/** What {@link downloadCfd} did. */
export interface DownloadCfdResult {
  /** The dataset folder (`dest`), ready for `loadFolderDataset`. */
  dir: string;
  /** Ids now complete in `dir`. */
  ids: string[];
  /** Files fetched or written in this run, relative to `dir`. */
  downloaded: string[];
  /** Files already complete from an earlier run, relative to `dir`. */
  skipped: string[];
}

const HINT =
  'Without network access, copy CrackForest (images/, masks/, folds.json) from elsewhere and pass --data DIR or set CRACK_DATA_DIR to that folder.';
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Downloads the CrackForest dataset (CFD, 118 road photos, 480x320) into `dest` in the layout
 * `loadFolderDataset` reads: `images/NNN.jpg` (unchanged originals), `masks/NNN.png` (0/255,
 * decoded from the `seg/NNN.seg` run-length files, segment 1 = crack; the `.seg` files are kept
 * in `seg/`) and `folds.json` (the thesis's 6 folds).
 *
 * Resumable: every file is written atomically (temporary file + rename), and files already in
 * `dest` are complete by construction, so they are skipped. Without network it fails fast
 * (connection refused, or `timeoutMs`) with a message pointing at `--data DIR` /
 * `CRACK_DATA_DIR`.
 *
 * CFD is licensed for non-commercial research only; cite Shi et al., IEEE T-ITS 17(12), 2016.
 */
export async function downloadCfd(
  dest: string,
  options: DownloadCfdOptions = {},
): Promise<DownloadCfdResult> {
  const {
    baseUrl = CFD_BASE_URL,
    ids = CFD_IDS,
    timeoutMs = 10_000,
    concurrency = 4,
    retries = 2,
    onFile,
    signal,
  } = options;
  if (typeof dest !== 'string' || dest === '')
    throw new TypeError(`downloadCfd: dest must be a non-empty path string, got ${String(dest)}`);
  if (!/^https?:\/\//.test(baseUrl))
    throw new RangeError(`downloadCfd: options.baseUrl must be an http(s) URL, got ${baseUrl}`);
  if (!Array.isArray(ids) || ids.some((id) => !/^[\w-]+$/.test(id)))
    throw new RangeError(
      'downloadCfd: options.ids must be an array of ids like "001" (letters, digits, - or _)',
    );
  if (!(timeoutMs > 0))
    throw new RangeError(`downloadCfd: options.timeoutMs must be > 0, got ${timeoutMs}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
    throw new RangeError(
      `downloadCfd: options.concurrency must be an integer from 1 to 16, got ${concurrency}`,
    );
  if (!Number.isInteger(retries) || retries < 0 || retries > 10)
    throw new RangeError(
      `downloadCfd: options.retries must be an integer from 0 to 10, got ${retries}`,
    );

  const base = baseUrl.replace(/\/+$/, '');
  // One signal stops every request: the caller's, or the first failure (fail fast).
  const stop = new AbortController();
  if (signal?.aborted) stop.abort(signal.reason);
  signal?.addEventListener('abort', () => stop.abort(signal.reason), { once: true });
  const downloaded: string[] = [];
  const skipped: string[] = [];
  const done = (file: string, action: 'downloaded' | 'skipped') => {
    (action === 'downloaded' ? downloaded : skipped).push(file);
    onFile?.(file, action);
  };

  async function fetchBytes(file: string): Promise<Uint8Array> {
    const url = `${base}/${file}`;
    for (let attempt = 0; ; attempt++) {
      stop.signal.throwIfAborted();
      // Our own timer rather than AbortSignal.any([.., AbortSignal.timeout()]): with Node 20
      // that combination did not fire against a server that never answered, so the
      // "fail fast" promise would have depended on the network being actually down.
      const request = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        request.abort();
      }, timeoutMs);
      const forward = () => request.abort(stop.signal.reason);
      stop.signal.addEventListener('abort', forward, { once: true });
      const reason = (error: unknown) =>
        timedOut ? `no answer within ${timeoutMs} ms` : reasonOf(error);
      try {
        let response: Response;
        try {
          response = await fetch(url, { signal: request.signal });
        } catch (error) {
          if (stop.signal.aborted) throw stop.signal.reason;
          throw new Error(`downloadCfd: cannot reach ${url} (${reason(error)}). ${HINT}`, {
            cause: error,
          });
        }
        if (response.ok) {
          try {
            return new Uint8Array(await response.arrayBuffer());
          } catch (error) {
            if (stop.signal.aborted) throw stop.signal.reason;
            if (attempt < retries) continue;
            throw new Error(`downloadCfd: download of ${url} was cut off (${reason(error)})`, {
              cause: error,
            });
          }
        }
        await response.body?.cancel();
        if (response.status >= 500 && attempt < retries) continue;
        throw new Error(
          `downloadCfd: GET ${url} returned HTTP ${response.status} ${response.statusText}`,
        );
      } finally {
        clearTimeout(timer);
        stop.signal.removeEventListener('abort', forward);
      }
    }
  }

  async function complete(file: string): Promise<boolean> {
    try {
      return (await stat(path.join(dest, file))).size > 0;
    } catch {
      return false;
    }
  }

  async function fetchOne(id: string): Promise<void> {
    const imageFile = `images/${id}.jpg`;
    let size: { width: number; height: number } | undefined;
    if (await complete(imageFile)) done(imageFile, 'skipped');
    else {
      const bytes = await fetchBytes(`image/${id}.jpg`);
      size = decodeImage(bytes, { name: `image/${id}.jpg from ${base}` });
      await writeFileAtomic(path.join(dest, imageFile), bytes);
      done(imageFile, 'downloaded');
    }
    const maskFile = `masks/${id}.png`;
    if (await complete(maskFile)) return done(maskFile, 'skipped');
    const segFile = `seg/${id}.seg`;
    let segBytes: Uint8Array;
    if (await complete(segFile)) {
      segBytes = await readFile(path.join(dest, segFile));
      done(segFile, 'skipped');
    } else {
      segBytes = await fetchBytes(segFile);
      // Parse before writing, so a broken file is never stored as complete.
      decodeSeg(segBytes, { name: `${segFile} from ${base}` });
      await writeFileAtomic(path.join(dest, segFile), segBytes);
      done(segFile, 'downloaded');
    }
    const { mask, width, height } = decodeSeg(segBytes, { name: segFile });
    size ??= decodeImage(await readFile(path.join(dest, imageFile)), { name: imageFile });
    if (size.width !== width || size.height !== height)
      throw new Error(
        `downloadCfd: ${segFile} is ${width}x${height} but ${imageFile} is ${size.width}x${size.height}`,
      );
    const pixels = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) pixels[i] = mask[i] ? 255 : 0;
    await writeFileAtomic(
      path.join(dest, maskFile),
      encodePng({ data: pixels, width, height, channels: 1 }),
    );
    done(maskFile, 'downloaded');
  }

  const queue = [...ids];
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    while (queue.length > 0) {
      const id = queue.shift() as string;
      try {
        await fetchOne(id);
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    }
  });
  const results = await Promise.allSettled(workers);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  await writeFileAtomic(
    path.join(dest, 'folds.json'),
    `${JSON.stringify(thesisFoldsFile(ids), null, 1)}\n`,
  );
  downloaded.push('folds.json');
  return { dir: dest, ids: [...ids], downloaded, skipped };
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return UNREACHABLE.has(cause.code) ? `${cause.code}, unreachable` : cause.code;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
