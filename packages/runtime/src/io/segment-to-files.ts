import { encodePng } from '@crack/data/image';
import { type CrackMeasurements, measureCracks } from '../measure/measure-cracks';
import { maskToImage } from '../segmenter/mask-to-image';
import { renderOverlay } from '../segmenter/render-overlay';
import type { PixelImage, Segmenter, SegmentTimings } from '../segmenter/types';
import { type OutputFile, writeOutputSet } from './write-output-set';

/** Which files one photo produces besides its mask (the `crack-segment` flags of the same names). */
export interface PhotoOutputOptions {
  /** Also write `<base>.overlay.png`: the photo with cracks painted red. Default false. */
  overlay?: boolean;
  /** Also write `<base>.prob.png`: 8-bit probabilities, v / 255 = p. Default false. */
  probabilities?: boolean;
  /** Also measure every crack and write `<base>.cracks.json`. Default false. */
  measure?: boolean;
  /** With `measure`: pixel size in millimetres (adds lengths and widths in mm). Default none. */
  mmPerPixel?: number;
  /** With `measure`: ignore cracks of fewer pixels. Default 1. */
  minPixels?: number;
}

/** The files of one photo, by kind (absent kinds were not asked for). */
export interface PhotoOutputs {
  /** `<base>.mask.png`: 8-bit mask, 255 = crack. */
  mask: string;
  /** `<base>.overlay.png`, with `overlay`. */
  overlay?: string;
  /** `<base>.prob.png`, with `probabilities`. */
  probabilities?: string;
  /** `<base>.cracks.json`, with `measure`. */
  measurements?: string;
}

/** What {@link segmentToFiles} did for one photo: the `images[]` entry of crack-segment's summary. */
export interface PhotoReport {
  /** The input as given in {@link SegmentToFilesOptions.input}. */
  input: string;
  /** Photo width in pixels. */
  width: number;
  /** Photo height in pixels. */
  height: number;
  /** Mask pixels that are crack. */
  crackPixels: number;
  /** `crackPixels / (width * height)`. */
  crackFraction: number;
  /** Time of the segment() call, by phase. */
  timings: SegmentTimings;
  /** The files written. */
  outputs: PhotoOutputs;
  /** Per-crack measurements and totals, with `measure`. */
  measurements?: CrackMeasurements;
}

/** Options of {@link segmentToFiles}. */
export interface SegmentToFilesOptions extends PhotoOutputOptions {
  /** Name of the photo recorded in the report and in `<base>.cracks.json` (usually its path). */
  input: string;
  /** Output path without the suffixes: `out/photo` gives `out/photo.mask.png`, ... */
  base: string;
  /**
   * Folder for the temporary files of the set (it must exist, on the same file system as the
   * outputs). Default: beside each output. See {@link writeOutputSet}.
   */
  temporaryFolder?: string;
}

/** The output paths of one photo for `base` and these options (see {@link PhotoOutputs}). */
export function photoOutputPaths(base: string, options: PhotoOutputOptions = {}): PhotoOutputs {
  return {
    mask: `${base}.mask.png`,
    ...(options.overlay ? { overlay: `${base}.overlay.png` } : {}),
    ...(options.probabilities ? { probabilities: `${base}.prob.png` } : {}),
    ...(options.measure ? { measurements: `${base}.cracks.json` } : {}),
  };
}

/**
 * 8-bit probabilities, v = round(255 p): `crack-metrics --sweep` reads v / 255, so threshold 0.5
 * keeps v >= 128, exactly the pixels of the 0.5 mask (p >= 0.5 <=> round(255 p) >= 128).
 */
function probabilityImage(probabilities: Float32Array, width: number, height: number) {
  const data = new Uint8Array(probabilities.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.round(255 * Math.min(1, Math.max(0, probabilities[i] as number)));
  return { data, width, height, channels: 1 as const };
}

/** What {@link segmentPhotoOutputs} made for one photo: its report and the files to write. */
export interface PhotoOutputSet {
  /** The report, as {@link segmentToFiles} returns it once `files` are written. */
  report: PhotoReport;
  /** The encoded outputs, in the order of {@link PhotoOutputs}: give them to {@link writeOutputSet}. */
  files: OutputFile[];
}

/**
 * Segments one photo and encodes its outputs (mask, and the overlay, probabilities and
 * measurements asked for) without writing them: the computing half of {@link segmentToFiles}.
 * A caller that overlaps the disk with the next photo's computing (`@crack/batch`'s workers)
 * runs this for one photo, then {@link writeOutputSet} while the next one is segmented. Node
 * only (the paths are the outputs' final paths).
 *
 * @example
 * const { report, files } = await segmentPhotoOutputs(segmenter, image, { input: 'road.jpg', base: 'out/road' });
 * await writeOutputSet(files); // now report.outputs.mask exists
 */
export function segmentPhotoOutputs(
  segmenter: Segmenter<PixelImage>,
  image: PixelImage,
  options: Omit<SegmentToFilesOptions, 'temporaryFolder'>,
): Promise<PhotoOutputSet> {
  return segmentAndEncode(segmenter, image, options, 'segmentPhotoOutputs');
}

/** {@link segmentPhotoOutputs}, its errors named after `caller`. */
async function segmentAndEncode(
  segmenter: Segmenter<PixelImage>,
  image: PixelImage,
  options: Omit<SegmentToFilesOptions, 'temporaryFolder'>,
  caller: string,
): Promise<PhotoOutputSet> {
  const { input, base, minPixels = 1, mmPerPixel } = options;
  if (typeof input !== 'string')
    throw new TypeError(`${caller}: options.input must be a string, got ${typeof input}`);
  if (typeof base !== 'string' || base === '')
    throw new TypeError(`${caller}: options.base must be a non-empty path, got '${String(base)}'`);
  const result = await segmenter.segment(image);
  const outputs = photoOutputPaths(base, options);
  const files: OutputFile[] = [
    { file: outputs.mask, data: encodePng(maskToImage(result.mask, result.width, result.height)) },
  ];
  if (outputs.overlay)
    files.push({ file: outputs.overlay, data: encodePng(renderOverlay(image, result.mask)) });
  if (outputs.probabilities) {
    files.push({
      file: outputs.probabilities,
      data: encodePng(probabilityImage(result.probabilities, result.width, result.height)),
    });
  }
  let measurements: CrackMeasurements | undefined;
  if (outputs.measurements) {
    measurements = measureCracks(result.mask, result.width, result.height, {
      ...(mmPerPixel === undefined ? {} : { mmPerPixel }),
      minPixels,
    });
    files.push({
      file: outputs.measurements,
      data: `${JSON.stringify({ input, width: result.width, height: result.height, ...measurements }, null, 2)}\n`,
    });
  }
  let crackPixels = 0;
  for (const value of result.mask) crackPixels += value;
  const report: PhotoReport = {
    input,
    width: result.width,
    height: result.height,
    crackPixels,
    crackFraction: crackPixels / (result.width * result.height),
    timings: result.timings,
    outputs,
    ...(measurements ? { measurements } : {}),
  };
  return { report, files };
}

/**
 * Segments one photo and writes its outputs as a set (mask, and the overlay, probabilities and
 * measurements asked for) with {@link writeOutputSet}: all files appear, or none. What
 * `crack-segment` does per photo; `@crack/batch`'s workers do the same in two steps
 * ({@link segmentPhotoOutputs}, then {@link writeOutputSet}), so both write the same bytes for
 * the same photo, model and options. Node only.
 *
 * @example
 * const image = await readImageFile('photos/road.jpg');
 * const report = await segmentToFiles(segmenter, image, { input: 'photos/road.jpg', base: 'out/road', overlay: true });
 * // report.outputs: { mask: 'out/road.mask.png', overlay: 'out/road.overlay.png' }
 */
export async function segmentToFiles(
  segmenter: Segmenter<PixelImage>,
  image: PixelImage,
  options: SegmentToFilesOptions,
): Promise<PhotoReport> {
  const { temporaryFolder, ...rest } = options;
  const { report, files } = await segmentAndEncode(segmenter, image, rest, 'segmentToFiles');
  await writeOutputSet(files, temporaryFolder === undefined ? {} : { temporaryFolder });
  return report;
}
