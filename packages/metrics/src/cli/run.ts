import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { version } from '../../package.json';
import { aggregateScores, aggregateSweeps } from '../aggregate';
import { type ClassMap, confusionMatrix, iouFromConfusion } from '../iou';
import { ratiosFromCounts, scoresFromCounts } from '../scores';
import { type SweepCounts, thresholdSweep } from '../sweep';
import { sweepCountsAt } from '../sweep-counts-at';
import { thresholdIndex } from '../threshold-bins';
import { tolerantScores } from '../tolerant-match';
import type { Mask, Scores } from '../types';
import { type FilePair, pairFiles } from './pair-files';
import { readBinaryMask, readClassMap, readProbabilityMap } from './read-mask';
import {
  type BadImage,
  type ClassReport,
  formatClassReport,
  formatReport,
  type ImageReport,
  type Report,
} from './report';
import { resizeNearest } from './resize-nearest';

/** Where the CLI writes; the process streams by default, strings in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface CliOptions {
  pred: string;
  gt: string;
  tolerance: number;
  threshold: number;
  sweep?: boolean;
  perImage?: boolean;
  json?: boolean;
  quiet?: boolean;
  resize?: boolean;
  allowMissing?: boolean;
  classes?: number;
}

/** Exit codes, documented in --help and the README. */
export const EXIT = {
  /** Every ground-truth image was scored against a readable prediction of its size. */
  ok: 0,
  /**
   * Scores were printed, but a prediction was missing, unreadable or of the wrong size (counted
   * as empty), or a ground truth was unreadable (not scored); or there was nothing to score.
   * `--allow-missing` turns the first case into 0.
   */
  incomplete: 1,
  /** Usage error: a bad flag or a folder that does not exist. Nothing was scored. */
  usage: 2,
} as const;

function parseTolerance(value: string): number {
  const tolerance = Number(value);
  if (value.trim() === '' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new InvalidArgumentError(`must be a finite number >= 0, got ${value}`);
  }
  return tolerance;
}

function parseThreshold(value: string): number {
  const threshold = Number(value);
  if (thresholdIndex(threshold) < 0) {
    throw new InvalidArgumentError(`must be one of 0.01, 0.02, ..., 0.99, got ${value}`);
  }
  return threshold;
}

function parseClasses(value: string): number {
  const classes = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || classes < 2 || classes > 256) {
    throw new InvalidArgumentError(`must be an integer in [2, 256], got ${value}`);
  }
  return classes;
}

function program(io: CliIo): Command {
  return new Command('crack-metrics')
    .description(
      'Precision, recall and F1 of predicted crack masks against ground truth, strict or with a ' +
        'pixel tolerance; with --sweep, ODS, OIS and AP of 8-bit probability maps.',
    )
    .version(version, '-V, --version')
    .requiredOption('--pred <dir>', 'folder of predicted masks (or probability maps with --sweep)')
    .requiredOption('--gt <dir>', 'folder of ground-truth masks')
    .option('--tolerance <px>', 'match radius in pixels, Euclidean; 0 is strict', parseTolerance, 2)
    .option('--sweep', 'read predictions as probabilities; add ODS, OIS and AP')
    .option(
      '--threshold <p>',
      'with --sweep: threshold of the micro/macro/per-image scores',
      parseThreshold,
      0.5,
    )
    .option('--per-image', 'also list every image')
    .option('--json', 'print one JSON object instead of tables')
    .option('--quiet', 'no per-file messages on stderr (the JSON and tables still list them)')
    .option(
      '--resize',
      'scale a prediction of another size to its ground truth (nearest neighbour) instead of ' +
        'counting it as empty',
    )
    .option('--allow-missing', 'exit 0 even when predictions are missing or bad')
    .option(
      '--classes <n>',
      'multi-class maps (pixel value = class id 0..n-1; 2 reads crack masks): per-class IoU and ' +
        'mean IoU over the dataset instead of precision/recall/F1',
      parseClasses,
    )
    .addHelpText(
      'after',
      [
        '',
        'Every ground-truth image is scored. Its prediction is NAME.mask.*, NAME.* or NAME.prob.*',
        '(NAME.prob.* first with --sweep), so the outputs of crack-segment pair as they are. A',
        'missing or unreadable prediction counts as an empty one (all its crack pixels are misses)',
        'and is listed (JSON: missing, bad); so is a prediction of another size, unless --resize.',
        'A mask pixel is crack when its brightest colour channel is > 127 (masks stored as 0/1',
        'are read as such); with --sweep a prediction pixel v is the probability v / 255, and the',
        'thresholds are 0.01 ... 0.99.',
        '',
        'Exit codes: 0 every image scored; 1 a prediction missing/bad or a ground truth unreadable',
        '(scores still printed; 0 with --allow-missing unless a ground truth was unreadable), or',
        'nothing to score; 2 usage error (bad flag, no such folder).',
        '',
        'Examples:',
        '  crack-metrics --pred out/masks --gt data/masks --tolerance 2 --json',
        '  crack-segment -m model photos --out preds --probabilities && \\',
        '    crack-metrics --pred preds --gt masks --sweep',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

function folderProblem(flag: string, dir: string): string | undefined {
  if (!existsSync(dir)) return `--${flag} ${dir}: no such folder`;
  if (!statSync(dir).isDirectory()) return `--${flag} ${dir}: not a folder`;
  return undefined;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Evaluated {
  image: ImageReport;
  sweep?: SweepCounts;
}

/** A 0 map of the ground truth's size: what a missing or bad prediction is scored as. */
const emptyLike = (truth: { width: number; height: number }) => ({
  data: new Uint8Array(truth.width * truth.height),
  width: truth.width,
  height: truth.height,
});

function score(name: string, pred: Mask, truth: Mask, options: CliOptions): Evaluated {
  const { tolerance, threshold } = options;
  if (!options.sweep) return { image: { name, ...tolerantScores(pred, truth, { tolerance }) } };
  const sweep = thresholdSweep(pred, truth, { tolerance });
  const scores: Scores = scoresFromCounts(sweepCountsAt(sweep, { threshold }));
  let bestF1 = 0;
  sweep.pred.forEach((_, i) => {
    const counts = {
      tpPred: sweep.tpPred[i] as number,
      pred: sweep.pred[i] as number,
      tpGt: sweep.tpGt[i] as number,
      gt: sweep.gt,
    };
    bestF1 = Math.max(bestF1, ratiosFromCounts(counts).f1);
  });
  return { image: { name, ...scores, bestF1 }, sweep };
}

/** Scores one ground-truth image; what went wrong with it is pushed to `missing` / `bad`. */
async function evaluatePair(
  pair: FilePair,
  options: CliOptions,
  missing: string[],
  bad: BadImage[],
): Promise<Evaluated | null> {
  let truth: Awaited<ReturnType<typeof readBinaryMask>>;
  try {
    truth = await readBinaryMask(pair.gt);
  } catch (error) {
    bad.push({ name: pair.name, file: pair.gt, reason: messageOf(error), scored: false });
    return null;
  }
  if (pair.problem) {
    bad.push({ name: pair.name, file: pair.pred ?? pair.gt, reason: pair.problem, scored: true });
    return score(pair.name, emptyLike(truth), truth, options);
  }
  if (pair.pred === null) {
    missing.push(pair.name);
    return score(pair.name, emptyLike(truth), truth, options);
  }
  let pred: Awaited<ReturnType<typeof readBinaryMask>>;
  try {
    pred = options.sweep ? await readProbabilityMap(pair.pred) : await readBinaryMask(pair.pred);
  } catch (error) {
    bad.push({ name: pair.name, file: pair.pred, reason: messageOf(error), scored: true });
    return score(pair.name, emptyLike(truth), truth, options);
  }
  if (pred.width !== truth.width || pred.height !== truth.height) {
    const sizes = `prediction is ${pred.width}x${pred.height} but ground truth is ${truth.width}x${truth.height}`;
    if (!options.resize) {
      bad.push({
        name: pair.name,
        file: pair.pred,
        reason: `${sizes} (--resize scales it)`,
        scored: true,
      });
      return score(pair.name, emptyLike(truth), truth, options);
    }
    pred = resizeNearest(pred, truth.width, truth.height);
  }
  return score(pair.name, pred, truth, options);
}

/**
 * `--classes N`: one confusion matrix summed over every ground-truth image, then per-class IoU and
 * mean IoU. A missing, unreadable or wrong-size prediction (unless --resize) counts as all class 0.
 */
async function runClasses(
  pairs: FilePair[],
  options: CliOptions,
  classes: number,
  io: CliIo,
  warn: (text: string) => void,
): Promise<number> {
  const matrix = new Float64Array(classes * classes);
  const missing: string[] = [];
  const bad: BadImage[] = [];
  let images = 0;
  for (const pair of pairs) {
    let truth: Mask;
    try {
      truth = await readClassMap(pair.gt, classes);
    } catch (error) {
      bad.push({ name: pair.name, file: pair.gt, reason: messageOf(error), scored: false });
      continue;
    }
    let pred: Mask = emptyLike(truth);
    if (pair.problem) {
      bad.push({ name: pair.name, file: pair.pred ?? pair.gt, reason: pair.problem, scored: true });
    } else if (pair.pred === null) {
      missing.push(pair.name);
    } else {
      try {
        pred = await readClassMap(pair.pred, classes);
        if (pred.width !== truth.width || pred.height !== truth.height) {
          const sizes = `prediction is ${pred.width}x${pred.height} but ground truth is ${truth.width}x${truth.height}`;
          if (options.resize) pred = resizeNearest(pred, truth.width, truth.height);
          else {
            bad.push({
              name: pair.name,
              file: pair.pred,
              reason: `${sizes} (--resize scales it)`,
              scored: true,
            });
            pred = emptyLike(truth);
          }
        }
      } catch (error) {
        bad.push({ name: pair.name, file: pair.pred, reason: messageOf(error), scored: true });
        pred = emptyLike(truth);
      }
    }
    const counts = confusionMatrix(pred as ClassMap, truth as ClassMap, { classes });
    for (let i = 0; i < counts.length; i += 1) matrix[i]! += counts[i] as number;
    images += 1;
  }
  for (const name of missing)
    warn(`${name}: no prediction in ${options.pred}; scored as all class 0`);
  for (const { name, file, reason, scored } of bad)
    warn(
      `${name}: ${file}: ${reason}; ${scored ? 'scored as all class 0' : 'ground truth not scored'}`,
    );
  if (images === 0) {
    io.stderr(
      `crack-metrics: nothing to evaluate: no readable ground truth in --gt ${options.gt}\n`,
    );
    return EXIT.incomplete;
  }
  const scores = iouFromConfusion(matrix, classes);
  const report: ClassReport = {
    images,
    classes,
    perClassIoU: scores.perClass.map((v) => (Number.isNaN(v) ? null : v)),
    meanIoU: Number.isNaN(scores.meanIoU) ? null : scores.meanIoU,
    intersection: scores.intersection,
    union: scores.union,
    missing,
    bad,
  };
  io.stdout(options.json ? `${JSON.stringify(report)}\n` : formatClassReport(report));
  if (bad.some((b) => !b.scored)) return EXIT.incomplete;
  if ((missing.length > 0 || bad.length > 0) && !options.allowMissing) return EXIT.incomplete;
  return EXIT.ok;
}

/**
 * Runs `crack-metrics` with the given arguments (without `node` and the script) and returns the
 * exit code (see {@link EXIT}). Every ground-truth image is scored; a missing, unreadable or
 * wrong-size prediction counts as empty and is listed on stderr (unless --quiet) and in the
 * report's `missing` / `bad` lists.
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = program(io).parse(args, { from: 'user' }).opts<CliOptions>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const warn = (text: string) => {
    if (!options.quiet) io.stderr(`crack-metrics: ${text}\n`);
  };
  const folderError = folderProblem('pred', options.pred) ?? folderProblem('gt', options.gt);
  if (folderError) {
    io.stderr(`crack-metrics: ${folderError}\n`);
    return EXIT.usage;
  }
  if (options.classes !== undefined && options.sweep) {
    io.stderr('crack-metrics: --classes and --sweep cannot be combined\n');
    return EXIT.usage;
  }
  const { pairs, problems } = pairFiles(options.pred, options.gt, options.sweep ? 'prob' : 'mask');
  if (options.classes !== undefined) {
    for (const problem of problems) warn(problem);
    return runClasses(pairs, options, options.classes, io, warn);
  }
  for (const problem of problems) warn(problem);

  const evaluated: Evaluated[] = [];
  const missing: string[] = [];
  const bad: BadImage[] = [];
  for (const pair of pairs) {
    const result = await evaluatePair(pair, options, missing, bad);
    if (result) evaluated.push(result);
  }
  for (const name of missing)
    warn(
      `${name}: no prediction named ${name}.mask.*, ${name}.* or ${name}.prob.* in ${options.pred}; scored as an empty prediction`,
    );
  for (const { name, file, reason, scored } of bad)
    warn(
      `${name}: ${file}: ${reason}; ${scored ? 'scored as an empty prediction' : 'ground truth not scored'}`,
    );
  if (evaluated.length === 0) {
    io.stderr(
      `crack-metrics: nothing to evaluate: no readable ground truth in --gt ${options.gt}\n`,
    );
    return EXIT.incomplete;
  }

  const images = evaluated.map((e) => e.image);
  const { micro, macro } = aggregateScores(images);
  const report: Report = {
    images: images.length,
    tolerance: options.tolerance,
    micro,
    macro,
    missing,
    bad,
  };
  if (options.sweep) {
    const summary = aggregateSweeps(evaluated.map((e) => e.sweep as SweepCounts));
    report.threshold = options.threshold;
    report.ods = summary.ods;
    report.ois = summary.ois;
    report.ap = summary.ap;
  }
  if (options.perImage) report.perImage = images;
  io.stdout(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  if (bad.some((b) => !b.scored)) return EXIT.incomplete;
  if ((missing.length > 0 || bad.length > 0) && !options.allowMissing) return EXIT.incomplete;
  return EXIT.ok;
}
