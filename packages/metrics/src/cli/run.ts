import { existsSync, statSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { version } from '../../package.json';
import { aggregateScores, aggregateSweeps } from '../aggregate';
import { ratiosFromCounts, scoresFromCounts } from '../scores';
import { type SweepCounts, thresholdSweep } from '../sweep';
import { sweepCountsAt } from '../sweep-counts-at';
import { thresholdIndex } from '../threshold-bins';
import { tolerantScores } from '../tolerant-match';
import type { Scores } from '../types';
import { type FilePair, pairFiles } from './pair-files';
import { readBinaryMask, readProbabilityMap } from './read-mask';
import { formatReport, type ImageReport, type Report } from './report';

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
}

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
    .addHelpText(
      'after',
      [
        '',
        'Files are matched by name without extension (001.png with 001.jpg); unmatched or',
        'unreadable files are listed on stderr and skipped. A mask pixel is crack when its',
        'brightest colour channel is > 127 (masks stored as 0/1 are read as such); with --sweep a',
        'prediction pixel v is the probability v / 255, and the thresholds are 0.01 ... 0.99.',
        'Exit code 1 only when no image pair could be evaluated.',
        '',
        'Example:',
        '  crack-metrics --pred out/masks --gt data/masks --tolerance 2 --json',
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

async function evaluatePair(pair: FilePair, options: CliOptions): Promise<Evaluated> {
  const truth = await readBinaryMask(pair.gt);
  const pred = options.sweep
    ? await readProbabilityMap(pair.pred)
    : await readBinaryMask(pair.pred);
  if (pred.width !== truth.width || pred.height !== truth.height) {
    throw new Error(
      `prediction is ${pred.width}x${pred.height} but ground truth is ${truth.width}x${truth.height}`,
    );
  }
  const { tolerance, threshold } = options;
  if (!options.sweep)
    return { image: { name: pair.name, ...tolerantScores(pred, truth, { tolerance }) } };
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
  return { image: { name: pair.name, ...scores, bestF1 }, sweep };
}

/**
 * Runs `crack-metrics` with the given arguments (without `node` and the script) and returns the
 * exit code: 0 when at least one image pair was evaluated, 1 otherwise or on a usage error.
 * Skipped files are listed on stderr.
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    options = program(io).parse(args, { from: 'user' }).opts<CliOptions>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  const warn = (text: string) => io.stderr(`crack-metrics: ${text}\n`);
  const folderError = folderProblem('pred', options.pred) ?? folderProblem('gt', options.gt);
  if (folderError) {
    warn(folderError);
    return 1;
  }
  const { pairs, problems } = pairFiles(options.pred, options.gt);
  for (const problem of problems) warn(problem);

  const evaluated: Evaluated[] = [];
  for (const pair of pairs) {
    try {
      evaluated.push(await evaluatePair(pair, options));
    } catch (error) {
      warn(`${pair.name}: ${messageOf(error)}; skipped`);
    }
  }
  if (evaluated.length === 0) {
    warn(
      `nothing to evaluate: no readable image pairs in --pred ${options.pred} and --gt ${options.gt}`,
    );
    return 1;
  }

  const images = evaluated.map((e) => e.image);
  const { micro, macro } = aggregateScores(images);
  const report: Report = { images: images.length, tolerance: options.tolerance, micro, macro };
  if (options.sweep) {
    const summary = aggregateSweeps(evaluated.map((e) => e.sweep as SweepCounts));
    report.threshold = options.threshold;
    report.ods = summary.ods;
    report.ois = summary.ois;
    report.ap = summary.ap;
  }
  if (options.perImage) report.perImage = images;
  io.stdout(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return 0;
}
