/**
 * The last result, published on `window.__crackResult` for the end-to-end test (and for anyone
 * curious in the devtools console): the mask and probabilities as base64 so the test can compare
 * them bit for bit with the same model run in Node.
 */
import type { Pixels } from './render';
import type { CrackMeasurements, SegmentResult } from './segment';

/** What `window.__crackResult` holds. */
export interface ExposedResult {
  model: string;
  picture: string;
  backend: string;
  mode: string;
  threshold: number;
  width: number;
  height: number;
  totalMs: number;
  /** FNV-1a of the RGB bytes segmented, to prove the browser decoded the file as Node does. */
  imageHash: string;
  maskBase64: string;
  probabilitiesBase64: string;
  count: number;
  lengthPx: number;
}

declare global {
  interface Window {
    __crackResult?: ExposedResult;
  }
}

export function exposeResult(run: {
  model: string;
  picture: string;
  image: Pixels;
  result: SegmentResult;
  measurements: CrackMeasurements;
}): void {
  const { result, measurements } = run;
  window.__crackResult = {
    model: run.model,
    picture: run.picture,
    backend: result.backend,
    mode: result.mode,
    threshold: result.threshold,
    width: result.width,
    height: result.height,
    totalMs: result.timings.totalMs,
    imageHash: rgbHash(run.image),
    maskBase64: toBase64(result.mask),
    probabilitiesBase64: toBase64(
      new Uint8Array(
        result.probabilities.buffer,
        result.probabilities.byteOffset,
        result.probabilities.byteLength,
      ),
    ),
    count: measurements.total.count,
    lengthPx: measurements.total.lengthPx,
  };
  document.body.dataset.resultCount = String(measurements.total.count);
}

/** FNV-1a over the first three channels of every pixel (so RGB and RGBA copies hash alike). */
export function rgbHash(image: Pixels): string {
  let hash = 0x811c9dc5;
  const { data, channels } = image;
  for (let p = 0; p < data.length; p += channels) {
    for (let c = 0; c < 3; c++) {
      hash ^= data[p + c] as number;
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}
