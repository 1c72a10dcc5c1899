// Segments every photo of a folder with @crack/runtime and writes, per photo, its crack mask,
// an overlay and the crack measurements, plus one summary.json: what `crack-segment` does,
// written against the API so it can be copied into an application and changed.
//
//   pnpm segment <model dir> <photo folder> <output folder> [--threshold 0.5] [--mode full|thesis]
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@crack/data/node';
import {
  initBackend,
  loadSegmenter,
  measureCracks,
  readNodeInput,
  writeMaskPng,
  writeOverlayPng,
} from '@crack/runtime/node';

/** Options of {@link segmentFolder}. */
export interface SegmentFolderOptions {
  /** Crack probability a pixel needs to count as crack. Default 0.5. */
  threshold?: number;
  /** 'full' (default): native resolution in tiles; 'thesis': the thesis's 480x320 preprocessing. */
  mode?: 'full' | 'thesis';
  /** Called once per photo, for progress output. */
  onImage?: (line: string) => void;
}

/** One photo's outcome in summary.json. */
export interface SegmentedPhoto {
  file: string;
  width?: number;
  height?: number;
  cracks?: number;
  crackLengthPx?: number;
  crackFraction?: number;
  milliseconds?: number;
  error?: string;
}

const PHOTO = /\.(jpe?g|png)$/i;

/**
 * Segments the .jpg/.jpeg/.png files of `inputDir` (not recursive) with the model in `modelDir`
 * and writes `<name>.mask.png`, `<name>.overlay.png`, `<name>.cracks.json` and `summary.json` to
 * `outputDir`. A photo that cannot be read is reported in the summary and skipped.
 */
export async function segmentFolder(
  modelDir: string,
  inputDir: string,
  outputDir: string,
  options: SegmentFolderOptions = {},
): Promise<SegmentedPhoto[]> {
  const { threshold = 0.5, mode = 'full', onImage = () => {} } = options;
  const files = (await readdir(inputDir)).filter((file) => PHOTO.test(file)).sort();
  if (files.length === 0) throw new Error(`segmentFolder: no .jpg or .png photos in ${inputDir}`);
  const segmenter = await loadSegmenter(modelDir, { threshold, mode });
  const summary: SegmentedPhoto[] = [];
  try {
    for (const file of files) {
      const name = file.replace(PHOTO, '');
      try {
        const photo = await readNodeInput(path.join(inputDir, file));
        const result = await segmenter.segment(photo);
        const { width, height, mask } = result;
        const measured = measureCracks(mask, width, height, { minPixels: 10 });
        await writeMaskPng(path.join(outputDir, `${name}.mask.png`), mask, width, height);
        await writeOverlayPng(path.join(outputDir, `${name}.overlay.png`), photo, mask);
        await writeFileAtomic(
          path.join(outputDir, `${name}.cracks.json`),
          JSON.stringify(measured, null, 1),
        );
        const entry: SegmentedPhoto = {
          file,
          width,
          height,
          cracks: measured.total.count,
          crackLengthPx: Math.round(measured.total.lengthPx),
          crackFraction: measured.total.areaPx / (width * height),
          milliseconds: Math.round(result.timings.totalMs),
        };
        summary.push(entry);
        onImage(
          `${file}: ${entry.cracks} cracks, ${entry.crackLengthPx} px long, ${entry.milliseconds} ms`,
        );
      } catch (error) {
        summary.push({ file, error: (error as Error).message });
        onImage(`${file}: skipped (${(error as Error).message})`);
      }
    }
  } finally {
    segmenter.dispose();
  }
  await writeFileAtomic(path.join(outputDir, 'summary.json'), JSON.stringify(summary, null, 1));
  return summary;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      threshold: { type: 'string', default: '0.5' },
      mode: { type: 'string', default: 'full' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 3) {
    console.log(
      'usage: pnpm segment <model dir> <photo folder> <output folder> [--threshold 0.5] [--mode full|thesis]',
    );
    process.exit(values.help ? 0 : 2);
  }
  const threshold = Number(values.threshold);
  if (!(threshold > 0 && threshold < 1))
    throw new Error(`--threshold must be in (0, 1), got ${values.threshold}`);
  if (values.mode !== 'full' && values.mode !== 'thesis') {
    throw new Error(`--mode must be 'full' or 'thesis', got '${values.mode}'`);
  }
  const [modelDir, inputDir, outputDir] = positionals as [string, string, string];
  await initBackend(); // logs the backend it chose and why
  const summary = await segmentFolder(modelDir, inputDir, outputDir, {
    threshold,
    mode: values.mode,
    onImage: (line) => console.log(line),
  });
  const done = summary.filter((photo) => !photo.error).length;
  console.log(`${done} of ${summary.length} photos segmented; results in ${outputDir}`);
  if (done === 0) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
