import { existsSync } from 'node:fs';
import path from 'node:path';
import { readImageFile, writeFileAtomic } from '@crack/data/node';
import { DEFAULT_MODEL_ID, MODELS } from '@crack/models';
import { modelDirectory } from '@crack/models/node';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../../package.json';
import { BACKEND_NAMES, type BackendName } from '../backend/backend-choice';
import { initBackend } from '../backend/init-backend';
import { INFERENCE_ENGINES, type InferenceEngine } from '../engine/engine-choice';
import { loadSegmenter } from '../io/load-node-segmenter';
import { type PhotoReport, photoOutputPaths, segmentToFiles } from '../io/segment-to-files';
import { SEGMENTER_DEFAULTS } from '../segmenter/load-segmenter';
import type { SegmentMode } from '../segmenter/types';
import { checkWritableFile, checkWritableFolder } from './check-writable';
import { expandInputs } from './expand-inputs';
import {
  engineThreadsPerJob,
  estimateMegapixels,
  type PhotoTask,
  type PhotoTaskResult,
  resolveJobs,
  startPhotoPool,
} from './photo-pool';

/** Exit codes of `crack-segment`, documented in --help and the README. */
export const EXIT = {
  /** At least one photo was processed (or all were done already, with --skip-existing). */
  ok: 0,
  /** No photo could be processed (unreadable inputs only, or the model failed to load). */
  failed: 1,
  /** Usage error, or an output folder / summary path that cannot be written; nothing was done. */
  usage: 2,
  /** Stopped by SIGINT (128 + 2) or SIGTERM (128 + 15), after writing the summary of what was done. */
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** Where the CLI writes; the process streams by default, strings in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (a progress bar is drawn only then). Default false. */
  stderrIsTTY?: boolean;
  /**
   * Aborted (with reason 'SIGINT' or 'SIGTERM') to stop the run: the photo being processed is
   * finished, then the summary of the finished photos is written. bin/crack-segment wires it to
   * the process's signals.
   */
  signal?: AbortSignal;
}

interface CliOptions {
  model?: string;
  mode: SegmentMode;
  threshold: number;
  out?: string;
  overlay?: boolean;
  measure?: boolean;
  mmPerPixel?: number;
  minPixels: number;
  tileSize: number;
  backend: BackendName | 'auto';
  engine: InferenceEngine | 'auto';
  engineThreads?: number;
  threads: number;
  jobs: number | 'auto';
  json?: boolean;
  summary?: string;
  probabilities?: boolean;
  skipExisting?: boolean;
  quiet?: boolean;
}

/** One processed image in the summary. */
type ImageReport = PhotoReport;

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

function jobsOption(value: string): number | 'auto' {
  const parsed = Number(value);
  if (value === 'auto') return 'auto';
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 1 || parsed > 256)
    throw new InvalidArgumentError(`--jobs must be auto or an integer in [1, 256], got ${value}`);
  return parsed;
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
    .option(
      '-m, --model <dir|file|url>',
      `tfjs-layers model: a folder holding model.json, a model.json path, an http(s) URL, or the id of a model of @crack/models (${MODELS.map((model) => model.id).join(', ')}; default: ${DEFAULT_MODEL_ID}, the compressed student trained on CrackForest; non-commercial research only)`,
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
    .option(
      '--probabilities',
      'also write <name>.prob.png: 8-bit crack probabilities (255 = 1), for crack-metrics --sweep',
    )
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
    .addOption(
      new Option(
        '--engine <name>',
        'what runs the model: onnxruntime-node when installed, else tfjs (CRACK_ENGINE overrides)',
      )
        .choices(['auto', ...INFERENCE_ENGINES])
        .default('auto'),
    )
    .option(
      '--engine-threads <n>',
      "onnxruntime threads per photo (default: onnxruntime's, one per physical core; with photos on worker threads, cores / jobs)",
      numberIn('--engine-threads', 1, 256, true),
    )
    .option('--threads <n>', 'wasm threads (--jobs 1 only)', numberIn('--threads', 1, 8, true), 1)
    .option(
      '-j, --jobs <n|auto>',
      'photos segmented at once, each in a worker thread with its own model and its share of the cores (auto: one per core, at most 4, when the photos hold 16 megapixels or more; 1: in this thread)',
      jobsOption,
      'auto',
    )
    .option('--json', 'print one JSON summary on stdout instead of text lines')
    .option('--summary <file>', 'also write the JSON summary to this file')
    .option(
      '--skip-existing',
      'skip photos whose outputs all exist already (resumes an interrupted folder run)',
    )
    .option('--quiet', 'no progress or per-photo messages on stderr (errors only)')
    .addHelpText(
      'after',
      [
        '',
        'Outputs, per input photo.jpg (written atomically: a temporary file, then a rename):',
        '  photo.mask.png      8-bit mask, 255 = crack, at the photo size',
        '  photo.overlay.png   with --overlay',
        '  photo.prob.png      with --probabilities: 8-bit probability map, v / 255 = p',
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
        'The model runs on onnxruntime-node instead when it is installed (npm install',
        'onnxruntime-node; --engine tfjs or CRACK_ENGINE=tfjs keeps it on the backend).',
        'All outputs of one photo are written as a set (all or none). The output folder and the',
        'summary path are checked before any work. Inputs that cannot be read or decoded are',
        'reported on stderr and skipped. Progress and messages go to stderr, results to stdout.',
        'SIGINT/SIGTERM: the photos in progress are finished, the summary written, then the exit.',
        '',
        'Exit codes: 0 at least one photo processed (or all existed with --skip-existing);',
        '1 no photo processed (bad inputs only, model not loadable); 2 usage error or an output',
        'that cannot be written (nothing done); 130 / 143 stopped by SIGINT / SIGTERM.',
        '',
        'Examples:',
        '  crack-segment --model models/student photos/*.jpg --out masks --overlay',
        "  crack-segment -m models/student/model.json 'photos/**/*.png' --measure --mm-per-pixel 0.2 --json",
        '  crack-segment -m models/student photos --out preds --probabilities && \\',
        '    crack-metrics --pred preds --gt masks --sweep',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    });
}

/**
 * Runs `crack-segment` with `argv` (without node and the script) and returns the exit code (see
 * {@link EXIT}): 0 when at least one photo was processed, 1 when none could be, 2 on a usage
 * error or an output that cannot be written (checked before any work), 130/143 when stopped by
 * `io.signal`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = program(io);
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const options = command.opts<CliOptions>();
  // A bundled model's id (`--model cfd-student`) names its folder in @crack/models, unless a file
  // or folder of that name is there.
  const catalogId = options.model;
  if (
    catalogId !== undefined &&
    !existsSync(catalogId) &&
    MODELS.some((model) => model.id === catalogId)
  ) {
    options.model = modelDirectory(catalogId);
  }
  const say = (text: string) => {
    if (!options.quiet) io.stderr(text);
  };
  const { files, problems } = await expandInputs(command.args);
  for (const { input, message } of problems) say(`crack-segment: skipped ${input}: ${message}\n`);
  if (files.length === 0) {
    io.stderr('crack-segment: no input images\n');
    return EXIT.failed;
  }

  // Everything this run will write is checked before the model is even loaded (issue 17).
  const folders = options.out ? [options.out] : [...new Set(files.map((f) => path.dirname(f)))];
  for (const folder of folders) {
    const problem = await checkWritableFolder(folder, options.out ? '--out' : 'output folder');
    if (problem) {
      io.stderr(`crack-segment: ${problem}\n`);
      return EXIT.usage;
    }
  }
  if (options.summary) {
    const problem = await checkWritableFile(options.summary, '--summary');
    if (problem) {
      io.stderr(`crack-segment: ${problem}\n`);
      return EXIT.usage;
    }
  }

  const usedNames = new Set<string>();
  const jobs = files.map((file) => ({ file, base: outputBase(file, options.out, usedNames) }));
  const existing: Array<{ input: string; outputs: ImageReport['outputs'] }> = [];
  const todo = options.skipExisting
    ? jobs.filter(({ file, base }) => {
        const outputs = outputPaths(base, options);
        if (!Object.values(outputs).every((output) => existsSync(output))) return true;
        existing.push({ input: file, outputs });
        return false;
      })
    : jobs;
  if (existing.length > 0)
    say(`crack-segment: ${existing.length} photo(s) done already, skipped\n`);

  let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
  let reports: ImageReport[] = [];
  const failures: Array<{ input: string; error: string }> = [];
  if (todo.length > 0) {
    const choice = await initBackend({
      prefer: options.backend,
      threads: options.threads,
      engine: options.engine,
      logger: options.quiet ? null : (message) => io.stderr(`${message}\n`),
    });
    const jobs = resolveJobs(options.jobs, {
      photos: todo.length,
      megapixels:
        options.jobs === 'auto' ? await estimateMegapixels(todo.map(({ file }) => file)) : 0,
      backend: choice.backend,
      engine: choice.engine.engine,
      wasmThreads: options.threads,
    });
    let segmentOne: (task: PhotoTask) => Promise<PhotoTaskResult>;
    let close: () => Promise<void> | void;
    if (jobs > 1) {
      const engineThreads = options.engineThreads ?? engineThreadsPerJob(jobs);
      const pool = startPhotoPool(
        {
          ...(options.model === undefined ? {} : { model: options.model }),
          mode: options.mode,
          threshold: options.threshold,
          tileSize: options.tileSize,
          backend: choice.backend,
          engine: options.engine,
          engineThreads,
          outputs: outputOptions(options),
        },
        jobs,
      );
      segmentOne = (task) => pool.run(task);
      close = () => pool.close();
      const threads =
        choice.engine.engine === 'onnxruntime'
          ? `, ${engineThreads} onnxruntime thread${engineThreads === 1 ? '' : 's'} each`
          : '';
      say(`crack-segment: ${jobs} photos at a time (worker threads${threads})\n`);
    } else {
      let segmenter: Awaited<ReturnType<typeof loadSegmenter>>;
      try {
        segmenter = await loadSegmenter(options.model ?? modelDirectory(), {
          mode: options.mode,
          threshold: options.threshold,
          tileSize: options.tileSize,
          engine: options.engine,
          ...(options.engineThreads === undefined ? {} : { engineThreads: options.engineThreads }),
        });
      } catch (error) {
        io.stderr(`crack-segment: ${(error as Error).message}\n`);
        return EXIT.failed;
      }
      segmentOne = (task) => processFile(task, segmenter, options);
      close = () => segmenter.dispose();
    }

    const lines: string[] = [];
    const bar =
      todo.length > 1 && io.stderrIsTTY && !options.quiet
        ? new SingleBar({
            format: 'crack-segment [{bar}] {value}/{total} {file}',
            stream: process.stderr,
            hideCursor: true,
          })
        : null;
    bar?.start(todo.length, 0, { file: '' });
    const done: Array<{ index: number; report: ImageReport }> = [];
    const failed: Array<{ index: number; input: string; error: string }> = [];
    let modelError: string | null = null;
    let next = 0;
    // `jobs` loops take the photos in order; each finishes its photo before it looks at the
    // signal again, so a stop leaves no photo half-written.
    const take = async (): Promise<void> => {
      for (;;) {
        if (modelError !== null) return;
        if (io.signal?.aborted) {
          interrupted = io.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
          return;
        }
        const index = next++;
        const task = todo[index];
        if (!task) return;
        bar?.update(done.length + failed.length, { file: path.basename(task.file) });
        const result = await segmentOne(task);
        if (result.ok) {
          done.push({ index, report: result.report });
          const line = describeReport(result.report);
          if (!options.json) lines.push(line);
          if (!bar) say(`[${done.length + failed.length}/${todo.length}] ${line}\n`);
        } else if (result.model) {
          modelError ??= result.error;
        } else {
          failed.push({ index, input: task.file, error: result.error });
          const text = `crack-segment: skipped ${task.file}: ${result.error}`;
          if (bar) lines.push(text);
          else say(`${text}\n`);
        }
        bar?.update(done.length + failed.length, { file: '' });
      }
    };
    try {
      await Promise.all(Array.from({ length: jobs }, take));
      if (!interrupted && io.signal?.aborted)
        interrupted = io.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    } finally {
      bar?.update(done.length + failed.length, { file: '' });
      bar?.stop();
      await close();
    }
    if (modelError !== null) {
      io.stderr(`crack-segment: ${modelError}\n`);
      return EXIT.failed;
    }
    if (bar) for (const line of lines) say(`${line}\n`);
    // In input order, whichever thread finished first.
    reports = done.sort((a, b) => a.index - b.index).map(({ report }) => report);
    for (const { input, error } of failed.sort((a, b) => a.index - b.index))
      failures.push({ input, error });
  }

  const notStarted = interrupted ? todo.length - reports.length - failures.length : 0;
  const summary = {
    model: options.model ?? `@crack/models/${DEFAULT_MODEL_ID}`,
    mode: options.mode,
    threshold: options.threshold,
    processed: reports.length,
    skipped: failures.length + problems.length,
    existing: existing.length,
    interrupted,
    notStarted,
    images: reports,
    failures: [...problems.map((p) => ({ input: p.input, error: p.message })), ...failures],
    existingOutputs: existing,
  };
  if (options.summary) {
    await writeFileAtomic(options.summary, `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    for (const report of reports) io.stdout(`${report.outputs.mask}\n`);
    const done = existing.length > 0 ? `, ${existing.length} done already` : '';
    const stop = interrupted ? `; stopped by ${interrupted}, ${notStarted} not started` : '';
    say(
      `crack-segment: ${reports.length} processed, ${failures.length + problems.length} skipped${done}${stop}\n`,
    );
  }
  if (interrupted) return EXIT[interrupted];
  return reports.length > 0 || existing.length > 0 ? EXIT.ok : EXIT.failed;
}

function outputPaths(base: string, options: CliOptions): ImageReport['outputs'] {
  return photoOutputPaths(base, options);
}

function outputOptions(options: CliOptions) {
  return {
    overlay: options.overlay,
    probabilities: options.probabilities,
    measure: options.measure,
    mmPerPixel: options.mmPerPixel,
    minPixels: options.minPixels,
  };
}

/** One photo in this thread (`--jobs 1`); the same answer as a worker thread's. */
async function processFile(
  { file, base }: PhotoTask,
  segmenter: Awaited<ReturnType<typeof loadSegmenter>>,
  options: CliOptions,
): Promise<PhotoTaskResult> {
  try {
    const image = await readImageFile(file, { channels: 3 });
    const report = await segmentToFiles(segmenter, image, {
      input: file,
      base,
      ...outputOptions(options),
    });
    return { ok: true, report, engine: segmenter.engine.engine };
  } catch (error) {
    return { ok: false, model: false, error: (error as Error)?.message ?? String(error) };
  }
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
