import path from 'node:path';
import { readImageFile, writeFileAtomic } from '@crack/data/node';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../../package.json';
import { BACKEND_NAMES, type BackendName } from '../backend/backend-choice';
import { initBackend } from '../backend/init-backend';
import { loadSegmenter } from '../io/load-node-segmenter';
import { writeMaskPng, writeOverlayPng } from '../io/write-result-png';
import { type CrackMeasurements, measureCracks } from '../measure/measure-cracks';
import { SEGMENTER_DEFAULTS } from '../segmenter/load-segmenter';
import type { SegmentMode, SegmentTimings } from '../segmenter/types';
import { expandInputs } from './expand-inputs';

/** Where the CLI writes; the process streams by default, strings in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (a progress bar is drawn only then). Default false. */
  stderrIsTTY?: boolean;
}

interface CliOptions {
  model: string;
  mode: SegmentMode;
  threshold: number;
  out?: string;
  overlay?: boolean;
  measure?: boolean;
  mmPerPixel?: number;
  minPixels: number;
  tileSize: number;
  backend: BackendName | 'auto';
  threads: number;
  json?: boolean;
  summary?: string;
}

/** One processed image in the summary. */
interface ImageReport {
  input: string;
  width: number;
  height: number;
  crackPixels: number;
  crackFraction: number;
  timings: SegmentTimings;
  outputs: { mask: string; overlay?: string; measurements?: string };
  measurements?: CrackMeasurements;
}

function numberIn(name: string, min: number, max: number, integer = false) {
  return (value: string): number => {
    const parsed = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(parsed) ||
      parsed < min ||
      parsed > max ||
      (integer && !Number.isInteger(parsed))
    ) {
      throw new InvalidArgumentError(
        `${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${value}`,
      );
    }
    return parsed;
  };
}

function positive(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
      throw new InvalidArgumentError(`${name} must be a number > 0, got ${value}`);
    }
    return parsed;
  };
}

function program(io: CliIo): Command {
  return new Command('crack-segment')
    .description(
      'Segment cracks in photos with a TensorFlow.js model: writes a 0/255 mask PNG per photo, ' +
        'optionally an overlay PNG and crack measurements (length, width) as JSON.',
    )
    .version(version, '-V, --version')
    .argument('<inputs...>', 'image files (JPEG or PNG), folders (their .jpg/.png files) or globs')
    .requiredOption(
      '-m, --model <dir|file|url>',
      'tfjs-layers model: a folder holding model.json, a model.json path, or an http(s) URL',
    )
    .addOption(
      new Option('--mode <mode>', "'full': whole photo in tiles; 'thesis': the thesis's 480x320")
        .choices(['full', 'thesis'])
        .default('full'),
    )
    .option(
      '-t, --threshold <p>',
      'probability at or above which a pixel is crack',
      numberIn('--threshold', 0, 1),
      0.5,
    )
    .option('-o, --out <dir>', 'folder for the outputs (default: next to each input)')
    .option('--overlay', 'also write <name>.overlay.png: the photo with cracks painted red')
    .option('--measure', 'also measure every crack; write <name>.cracks.json')
    .option(
      '--mm-per-pixel <mm>',
      'with --measure: pixel size in millimetres, adds lengths and widths in mm',
      positive('--mm-per-pixel'),
    )
    .option(
      '--min-pixels <n>',
      'with --measure: ignore cracks of fewer pixels',
      numberIn('--min-pixels', 1, Number.MAX_SAFE_INTEGER, true),
      1,
    )
    .option(
      '--tile-size <px>',
      'full mode: tile side in pixels',
      numberIn('--tile-size', 16, 8192, true),
      SEGMENTER_DEFAULTS.tileSize,
    )
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend to try first (CRACK_BACKEND overrides)')
        .choices(['auto', ...BACKEND_NAMES])
        .default('auto'),
    )
    .option('--threads <n>', 'wasm threads', numberIn('--threads', 1, 8, true), 1)
    .option('--json', 'print one JSON summary on stdout instead of text lines')
    .option('--summary <file>', 'also write the JSON summary to this file')
    .addHelpText(
      'after',
      [
        '',
        'Outputs, per input photo.jpg (written atomically: a temporary file, then a rename):',
        '  photo.mask.png      8-bit mask, 255 = crack, at the photo size',
        '  photo.overlay.png   with --overlay',
        '  photo.cracks.json   with --measure: per crack id, pixels, lengthPx, meanWidthPx,',
        '                      maxWidthPx, bbox (and *Mm with --mm-per-pixel), plus totals',
        '',
        'Modes: full (default) runs the model on the whole photo at its own resolution in',
        'overlapping tiles (64 px overlap, cross-faded), so any size works in bounded memory.',
        "thesis reproduces the thesis's phone app: portrait photos are rotated 90 degrees",
        'clockwise, centre-cropped to 3:2 and resized to 480x320; the mask is mapped back, and',
        'pixels outside the crop are background.',
        '',
        'The backend is chosen by initBackend(): tfjs-node if installed, else wasm, else cpu.',
        'Inputs that cannot be read or decoded are reported on stderr and skipped. The exit code',
        'is 1 only when no photo could be processed.',
        '',
        'Examples:',
        '  crack-segment --model models/student photos/*.jpg --out masks --overlay',
        "  crack-segment -m models/student/model.json 'photos/**/*.png' --measure --mm-per-pixel 0.2 --json",
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    });
}

/**
 * Runs `crack-segment` with `argv` (without node and the script) and returns the exit code:
 * 0 when at least one photo was processed, 1 otherwise (usage errors included).
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = program(io);
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    throw error;
  }
  const options = command.opts<CliOptions>();
  const { files, problems } = await expandInputs(command.args);
  for (const { input, message } of problems) {
    io.stderr(`crack-segment: skipped ${input}: ${message}\n`);
  }
  if (files.length === 0) {
    io.stderr('crack-segment: no input images\n');
    return 1;
  }

  await initBackend({
    prefer: options.backend,
    threads: options.threads,
    logger: (message) => io.stderr(`${message}\n`),
  });
  let segmenter: Awaited<ReturnType<typeof loadSegmenter>>;
  try {
    segmenter = await loadSegmenter(options.model, {
      mode: options.mode,
      threshold: options.threshold,
      tileSize: options.tileSize,
    });
  } catch (error) {
    io.stderr(`crack-segment: ${(error as Error).message}\n`);
    return 1;
  }

  const reports: ImageReport[] = [];
  const failures: Array<{ input: string; error: string }> = [];
  const lines: string[] = [];
  const bar =
    files.length > 1 && io.stderrIsTTY
      ? new SingleBar({
          format: 'crack-segment [{bar}] {value}/{total} {file}',
          stream: process.stderr,
          hideCursor: true,
        })
      : null;
  bar?.start(files.length, 0, { file: '' });
  const usedNames = new Set<string>();
  try {
    for (const [index, file] of files.entries()) {
      bar?.update(index, { file: path.basename(file) });
      try {
        const report = await processFile(file, segmenter, options, usedNames);
        reports.push(report);
        const line = describeReport(report);
        if (!options.json) lines.push(line);
        if (!bar) io.stderr(`[${index + 1}/${files.length}] ${line}\n`);
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        failures.push({ input: file, error: message });
        const text = `crack-segment: skipped ${file}: ${message}`;
        if (bar) lines.push(text);
        else io.stderr(`${text}\n`);
      }
    }
  } finally {
    bar?.update(files.length, { file: '' });
    bar?.stop();
    segmenter.dispose();
  }

  const summary = {
    model: options.model,
    mode: options.mode,
    threshold: options.threshold,
    processed: reports.length,
    skipped: failures.length + problems.length,
    images: reports,
    failures: [...problems.map((p) => ({ input: p.input, error: p.message })), ...failures],
  };
  if (options.summary) {
    await writeFileAtomic(options.summary, `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    if (bar) for (const line of lines) io.stderr(`${line}\n`);
    for (const report of reports) io.stdout(`${report.outputs.mask}\n`);
    io.stderr(
      `crack-segment: ${reports.length} processed, ${failures.length + problems.length} skipped\n`,
    );
  }
  return reports.length > 0 ? 0 : 1;
}

async function processFile(
  file: string,
  segmenter: Awaited<ReturnType<typeof loadSegmenter>>,
  options: CliOptions,
  usedNames: Set<string>,
): Promise<ImageReport> {
  const image = await readImageFile(file, { channels: 3 });
  const result = await segmenter.segment(image);
  const base = outputBase(file, options.out, usedNames);
  const outputs: ImageReport['outputs'] = { mask: `${base}.mask.png` };
  await writeMaskPng(outputs.mask, result.mask, result.width, result.height);
  if (options.overlay) {
    outputs.overlay = `${base}.overlay.png`;
    await writeOverlayPng(outputs.overlay, image, result.mask);
  }
  let measurements: CrackMeasurements | undefined;
  if (options.measure) {
    measurements = measureCracks(result.mask, result.width, result.height, {
      ...(options.mmPerPixel === undefined ? {} : { mmPerPixel: options.mmPerPixel }),
      minPixels: options.minPixels,
    });
    outputs.measurements = `${base}.cracks.json`;
    await writeFileAtomic(
      outputs.measurements,
      `${JSON.stringify({ input: file, width: result.width, height: result.height, ...measurements }, null, 2)}\n`,
    );
  }
  let crackPixels = 0;
  for (const value of result.mask) crackPixels += value;
  return {
    input: file,
    width: result.width,
    height: result.height,
    crackPixels,
    crackFraction: crackPixels / (result.width * result.height),
    timings: result.timings,
    outputs,
    ...(measurements ? { measurements } : {}),
  };
}

/** `<out or input folder>/<name without extension>`, made unique within one run. */
function outputBase(file: string, out: string | undefined, used: Set<string>): string {
  const folder = out ?? path.dirname(file);
  const name = path.basename(file, path.extname(file));
  let base = path.join(folder, name);
  for (let k = 2; used.has(path.resolve(base)); k++) base = path.join(folder, `${name}-${k}`);
  used.add(path.resolve(base));
  return base;
}

function describeReport(report: ImageReport): string {
  const cracks = report.measurements ? `, ${report.measurements.total.count} cracks` : '';
  return `${report.input}: ${report.width}x${report.height}, ${(100 * report.crackFraction).toFixed(2)} % crack${cracks}, ${Math.round(report.timings.totalMs)} ms`;
}
