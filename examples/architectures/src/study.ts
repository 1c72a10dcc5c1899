/**
 * The architecture study (issue 19): each student of {@link STUDY_FAMILIES}, sized to each
 * budget of {@link STUDY_BUDGETS}, is trained on every requested fold with one recipe, scored
 * strict and with the 2-pixel tolerance, costed (params, MACs at 480x320) and timed on wasm;
 * results.json, results.md and one Pareto plot (PNG, F1 at 2 px against wasm latency) per budget
 * are written to the output folder.
 *
 * The recipe is the CFD recipe of examples/compress-pipeline (docs/reproduction.md): Adam at
 * 1e-3 with a cosine schedule, batch 1, random 256-px crops with augmentation, 20 epochs, the
 * thesis's weighted sigmoid cross-entropy (alpha 0.7). Students train from scratch, without
 * distillation, so the architectures are compared on their own.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  foldSplit,
  mixSeed,
  normalizePixels,
  type Sample,
  syntheticCracks,
  THESIS_CFD_FOLDS,
  toTfDataset,
} from '@crack/data';
import { weightedSigmoidCrossEntropy } from '@crack/distill';
import { aggregateScores, binarize, type Scores, tolerantScores } from '@crack/metrics';
import { modelCost } from '@crack/metrics/cost';
import { findChannelGroups, pruneModel } from '@crack/prune';
import { fusedAdam } from '@crack/runtime';
import { createUnet } from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  type Budget,
  type Candidate,
  type Family,
  fitBudget,
  STUDY_BUDGETS,
  STUDY_FAMILIES,
} from './candidates';
import { paretoFront, paretoPng } from './pareto-plot';

/** Where the images come from. */
export type StudyData =
  | { source: 'cfd'; dir: string }
  | { source: 'synthetic'; train: number; test: number; width: number; height: number };

/** Options of {@link runStudy}; see {@link STUDY_DEFAULTS} for the study's values. */
export interface StudyOptions {
  /** The images. */
  data: StudyData;
  /** Fold indices to run: CFD has the thesis's 6 folds; synthetic data has 2. */
  folds: number[];
  /** Student families. Default {@link STUDY_FAMILIES}. */
  families?: readonly Family[];
  /** Budgets. Default {@link STUDY_BUDGETS}. */
  budgets?: readonly Budget[];
  /** Training epochs per student and fold. */
  epochs: number;
  /** Adam's learning rate (the schedule's start). */
  learningRate: number;
  /** Constant, or cosine decay to 0 over all steps. */
  schedule: 'constant' | 'cosine';
  /** Images per step. */
  batchSize: number;
  /** Square crop side, 0 for whole images. */
  crop: number;
  /** Random flips, rotations and photometric changes (@crack/data). */
  augment: boolean;
  /** Seed of the data order and (mixed with the fold) of the weights. */
  seed: number;
  /** Size at which params and MACs are budgeted and latency is measured (480x320 in the study). */
  costSize: { height: number; width: number };
  /** Timed forward passes per student (after one warm-up). */
  latencyRuns: number;
  /** Output folder. */
  out: string;
  /**
   * After training, prune each budget's best student (highest mean F1 at 2 px over the requested
   * folds, all of them done) on every fold: @crack/prune's `pruneModel` (crack-aware LASSO and
   * validated refit on every prunable channel group) on `images` training images, then `epochs`
   * of fine-tuning with the study's recipe. null: no pruning.
   */
  prune: { ratio: number; epochs: number; images: number; crackFraction: number } | null;
  /**
   * Train nothing: tabulate and plot the student-folds stored in `out` by earlier runs (a
   * student-fold is stored as soon as it is trained, so a stopped study resumes where it was).
   */
  reportOnly?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Seconds between the progress lines of one training run (step, loss, ETA). Default 60. */
  progressEverySeconds?: number;
}

/** The study as issue 19 asks for it (CFD, 6 folds, the CFD recipe). */
export const STUDY_DEFAULTS: Omit<StudyOptions, 'data' | 'out'> = {
  folds: [0, 1, 2, 3, 4, 5],
  epochs: 20,
  learningRate: 1e-3,
  schedule: 'cosine',
  batchSize: 1,
  crop: 256,
  augment: true,
  seed: 1,
  costSize: { height: 320, width: 480 },
  latencyRuns: 10,
  prune: { ratio: 0.5, epochs: 8, images: 32, crackFraction: 0.5 },
};

/** One student's figures over the folds. */
export interface StudyRow extends Candidate {
  /** Micro-averaged scores per fold at threshold 0.5: strict and 2 px. */
  folds: Array<{ fold: number; strict: Scores; tolerant: Scores; seconds: number }>;
  /** Mean over the folds in `folds` of the strict F1 (NaN when none is done yet). */
  f1: number;
  /** Mean over folds of the 2-px F1. */
  f1Tolerant: number;
  /** Median wasm latency of one forward pass at costSize, ms. */
  latencyMs: number;
  /** On its budget's Pareto front (F1 at 2 px against latency). */
  pareto: boolean;
  /** Set on the pruned rows: the family pruned and the fraction of channels removed. */
  prunedFrom?: { family: string; ratio: number };
}

/** What {@link runStudy} returns (also written to results.json). */
export interface StudyResult {
  /** The options the study ran with. */
  options: Omit<StudyOptions, 'log' | 'families' | 'budgets'> & {
    families: readonly Family[];
    budgets: readonly Budget[];
  };
  rows: StudyRow[];
  /** Families that do not fit a budget at any width. */
  unfit: Array<{ family: string; budget: string }>;
  /** The tf backend used (wasm in the study). */
  backend: string;
  /** Files written. */
  files: string[];
}

async function loadFold(
  data: StudyData,
  fold: number,
): Promise<{ train: Sample[]; test: Sample[] }> {
  if (data.source === 'synthetic') {
    const all = syntheticCracks({
      count: data.train + data.test,
      width: data.width,
      height: data.height,
      seed: 2024,
    });
    // Two folds: the held-out images are the last `test` (fold 0) or the first `test` (fold 1).
    return fold === 0
      ? { train: all.slice(0, data.train), test: all.slice(data.train) }
      : { train: all.slice(data.test), test: all.slice(0, data.test) };
  }
  const { downloadCfd, loadFolderDataset } = await import('@crack/data/node');
  if (!existsSync(path.join(data.dir, 'images'))) await downloadCfd(data.dir);
  const dataset = await loadFolderDataset(data.dir);
  const split = foldSplit(
    THESIS_CFD_FOLDS.map((ids) => [...ids]),
    fold,
  );
  const collect = async (ids: readonly string[]) => {
    const samples: Sample[] = [];
    for await (const sample of dataset.select(ids)) samples.push(sample);
    return samples;
  };
  return { train: await collect(split.train), test: await collect(split.test) };
}

function learningRateAt(options: StudyOptions, step: number, steps: number): number {
  if (options.schedule === 'constant') return options.learningRate;
  return 0.5 * options.learningRate * (1 + Math.cos((Math.PI * step) / Math.max(steps, 1)));
}

async function train(
  model: tfl.LayersModel,
  samples: Sample[],
  options: StudyOptions,
  label = 'training',
) {
  const log = options.log ?? (() => undefined);
  const optimizer = fusedAdam(options.learningRate);
  model.compile({ optimizer, loss: weightedSigmoidCrossEntropy() });
  const stepsPerEpoch = Math.ceil(samples.length / options.batchSize);
  const totalSteps = options.epochs * stepsPerEpoch;
  const began = performance.now();
  let lastLine = began;
  for (let epoch = 0; epoch < options.epochs; epoch += 1) {
    const dataset = await toTfDataset(samples, {
      batchSize: options.batchSize,
      ...(options.crop > 0 ? { crop: { width: options.crop, height: options.crop } } : {}),
      augment: options.augment,
      shuffle: true,
      seed: mixSeed(options.seed, epoch),
      targets: 'mask',
    });
    await model.fitDataset(dataset, {
      epochs: 1,
      verbose: 0,
      callbacks: {
        onBatchBegin: async (batch) => {
          (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(
            options,
            epoch * stepsPerEpoch + batch,
            options.epochs * stepsPerEpoch,
          );
        },
        onBatchEnd: async (batch, logs) => {
          const now = performance.now();
          if (now - lastLine < (options.progressEverySeconds ?? 60) * 1000) return;
          lastLine = now;
          const done = epoch * stepsPerEpoch + batch + 1;
          const elapsed = (now - began) / 1000;
          const eta = (elapsed / done) * (totalSteps - done);
          log(
            `${label}: step ${done}/${totalSteps} (${Math.round((100 * done) / totalSteps)} %), epoch ${epoch + 1}/${options.epochs}, loss ${logs?.loss?.toFixed(4) ?? '?'}, ${Math.round(elapsed)} s elapsed, ETA ${Math.round(eta)} s`,
          );
        },
      },
    });
  }
  optimizer.dispose();
}

function score(model: tfl.LayersModel, samples: Sample[], depth: number) {
  const strict: Scores[] = [];
  const tolerant: Scores[] = [];
  const granularity = 2 ** depth;
  for (const sample of samples) {
    const { width, height } = sample;
    const probabilities = tf.tidy(() => {
      const image = tf.tensor4d(normalizePixels(sample.image.data), [1, height, width, 3]);
      const padH = (granularity - (height % granularity)) % granularity;
      const padW = (granularity - (width % granularity)) % granularity;
      const input = tf.pad(image, [
        [0, 0],
        [0, padH],
        [0, padW],
        [0, 0],
      ]);
      const logits = model.predict(input) as tf.Tensor4D;
      return tf.sigmoid(tf.slice(logits, [0, 0, 0, 0], [1, height, width, 1]));
    });
    const data = probabilities.dataSync() as Float32Array;
    probabilities.dispose();
    const pred = binarize({ data, width, height }, { threshold: 0.5 });
    const truth = { data: sample.mask, width, height };
    strict.push(tolerantScores(pred, truth, { tolerance: 0 }));
    tolerant.push(tolerantScores(pred, truth, { tolerance: 2 }));
  }
  return { strict: aggregateScores(strict).micro, tolerant: aggregateScores(tolerant).micro };
}

/**
 * Median wasm latency of one forward pass at `costSize` per student, in `latencyRuns` rounds
 * over all students after one warm-up pass each.
 */
async function measureLatencies(
  rows: StudyRow[],
  options: StudyOptions,
  log: (line: string) => void,
): Promise<void> {
  if (options.latencyRuns < 1 || rows.length === 0) return;
  const { height, width } = options.costSize;
  // A pruned student's architecture is only in its saved models (its channel counts differ per
  // layer): where none is saved here (results copied without the models), it is not timed, and
  // its latency is NaN ("not measured") rather than the unpruned architecture's.
  const timed: StudyRow[] = [];
  const models: tfl.LayersModel[] = [];
  for (const row of rows) {
    const saved = row.prunedFrom ? prunedArchitecture(options.out, row, options.folds) : null;
    if (row.prunedFrom && !saved) {
      row.latencyMs = Number.NaN;
      log(
        `latency: ${row.family} (${row.budget}): no pruned model saved in ${options.out}; not measured`,
      );
      continue;
    }
    timed.push(row);
    models.push(
      saved
        ? await tfl.loadLayersModel(nodeFileSystem(saved))
        : createUnet({ ...row.config, seed: 0 }),
    );
  }
  if (models.length === 0) return;
  const input = tf.zeros([1, height, width, 3]);
  const once = async (model: tfl.LayersModel) => {
    const began = performance.now();
    const output = model.predict(input) as tf.Tensor;
    await output.data();
    output.dispose();
    return performance.now() - began;
  };
  try {
    for (const model of models) await once(model);
    const times: number[][] = timed.map(() => []);
    for (let run = 0; run < options.latencyRuns; run += 1)
      for (const [i, model] of models.entries()) times[i]!.push(await once(model));
    for (const [i, row] of timed.entries()) row.latencyMs = median(times[i]!);
    log(
      `latency: ${options.latencyRuns} rounds over ${timed.length} students at ${width}x${height}`,
    );
  } finally {
    for (const model of models) model.dispose();
    input.dispose();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Where a trained student-fold's model is kept (model.json + weights.bin). */
function modelDir(out: string, row: Candidate, fold: number): string {
  return recordPath(out, row, fold).replace(/\.json$/, '');
}

/**
 * A saved pruned model of `row`, or null: one of the requested folds' if there is one, else any
 * other fold's stored beside them (pruning at one ratio gives every fold the same architecture).
 */
function prunedArchitecture(out: string, row: Candidate, folds: number[]): string | null {
  for (const fold of folds) {
    const dir = modelDir(out, row, fold);
    if (existsSync(path.join(dir, 'model.json'))) return dir;
  }
  const parent = path.dirname(modelDir(out, row, 0));
  if (!existsSync(parent)) return null;
  const other = readdirSync(parent)
    .filter((name) => /^fold-\d+$/.test(name))
    .sort()
    .find((name) => existsSync(path.join(parent, name, 'model.json')));
  return other ? path.join(parent, other) : null;
}

/** Whether @crack/prune finds a channel group to prune in `row`'s architecture (logged if not). */
function prunable(row: Candidate, log: (line: string) => void): boolean {
  const model = createUnet({ ...row.config, seed: 0 });
  const { groups, skipped } = findChannelGroups(model);
  model.dispose();
  if (groups.length === 0)
    log(
      `prune: ${row.family} has no prunable channel group (${skipped.length} maps skipped, e.g. ${skipped[0]?.reason ?? 'none'}); trying the next best`,
    );
  return groups.length > 0;
}

/**
 * Prunes `best` (a student trained on every fold, its models saved) fold by fold and fine-tunes
 * it; returns the pruned student's row, or null when no fold could be pruned.
 */
async function pruneBest(
  best: StudyRow,
  options: StudyOptions,
  recipe: FoldRecord['recipe'],
  log: (line: string) => void,
): Promise<StudyRow | null> {
  const settings = options.prune as NonNullable<StudyOptions['prune']>;
  const row: StudyRow = {
    ...best,
    family: `${best.family}, pruned ${settings.ratio}`,
    folds: [],
    f1: Number.NaN,
    f1Tolerant: Number.NaN,
    latencyMs: Number.NaN,
    pareto: false,
    prunedFrom: { family: best.family, ratio: settings.ratio },
  };
  const pruneRecipe = { ...recipe, prune: settings };
  for (const fold of options.folds) {
    let record = readRecord(options.out, row, fold, pruneRecipe);
    if (!record && !options.reportOnly) {
      const parentDir = modelDir(options.out, best, fold);
      if (!existsSync(path.join(parentDir, 'model.json'))) {
        log(
          `prune: ${best.family}, fold ${fold}: no saved model (trained by an earlier version); skipped`,
        );
        continue;
      }
      const began = performance.now();
      const { train: trainSet, test } = await loadFold(options.data, fold);
      const parent = await tfl.loadLayersModel(nodeFileSystem(parentDir));
      const images = trainSet
        .slice(0, settings.images)
        .map((sample) =>
          tf.tensor4d(normalizePixels(sample.image.data), [1, sample.height, sample.width, 3]),
        );
      let pruned: tfl.LayersModel;
      try {
        ({ model: pruned } = await pruneModel(parent, {
          images,
          ratio: settings.ratio,
          crackFraction: settings.crackFraction,
          seed: mixSeed(options.seed, fold),
        }));
      } catch (error) {
        log(`prune: ${best.family}, fold ${fold} failed: ${(error as Error).message}`);
        continue;
      } finally {
        for (const image of images) image.dispose();
        parent.dispose();
      }
      await train(
        pruned,
        trainSet,
        { ...options, epochs: settings.epochs },
        `fold ${fold} ${row.budget} ${row.family}`,
      );
      const scores = score(pruned, test, row.config.depth ?? 4);
      const { total } = modelCost(pruned, options.costSize);
      await pruned.save(nodeFileSystem(modelDir(options.out, row, fold)));
      pruned.dispose();
      const seconds = (performance.now() - began) / 1000;
      record = {
        recipe: pruneRecipe,
        fold,
        ...scores,
        seconds,
        params: total.params,
        macs: total.macs,
      };
      writeRecord(options.out, row, fold, record);
      log(
        `fold ${fold} ${row.budget} ${row.family}: ${total.params} params, F1 ${scores.strict.f1.toFixed(4)}, F1_2 ${scores.tolerant.f1.toFixed(4)}, ${seconds.toFixed(0)} s`,
      );
    }
    if (!record) continue;
    row.folds.push({
      fold,
      strict: record.strict,
      tolerant: record.tolerant,
      seconds: record.seconds,
    });
    row.params = record.params ?? row.params;
    row.macs = record.macs ?? row.macs;
  }
  if (row.folds.length === 0) return null;
  row.f1 = mean(row.folds.map((f) => f.strict.f1));
  row.f1Tolerant = mean(row.folds.map((f) => f.tolerant.f1));
  return row;
}

/** What a stored student-fold was trained with: a stored result is reused only when it matches. */
function recipeOf(options: StudyOptions) {
  const { data, epochs, learningRate, schedule, batchSize, crop, augment, seed } = options;
  return { data, epochs, learningRate, schedule, batchSize, crop, augment, seed };
}

/** One trained student-fold, stored as `<out>/runs/<budget>/<family>/fold-<k>.json`. */
interface FoldRecord {
  /** {@link recipeOf}, and for a pruned student the pruning settings. */
  recipe: ReturnType<typeof recipeOf> & { prune?: StudyOptions['prune'] };
  fold: number;
  strict: Scores;
  tolerant: Scores;
  seconds: number;
  /** A pruned student's params and MACs at costSize. */
  params?: number;
  macs?: number;
}

/**
 * Where a student-fold's record is stored under the study's output folder:
 * `<out>/runs/<budget>/<family>-<baseFilters>/fold-<k>.json` (its saved model, when kept, is the
 * folder of the same name without `.json`).
 */
export function recordPath(out: string, row: Candidate, fold: number): string {
  const slug = (text: string) => text.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
  return path.join(
    out,
    'runs',
    slug(row.budget),
    `${slug(row.family)}-${row.config.baseFilters}`,
    `fold-${fold}.json`,
  );
}

function readRecord(
  out: string,
  row: Candidate,
  fold: number,
  recipe: FoldRecord['recipe'],
): FoldRecord | null {
  const file = recordPath(out, row, fold);
  if (!existsSync(file)) return null;
  const record = JSON.parse(readFileSync(file, 'utf8')) as FoldRecord;
  return JSON.stringify(record.recipe) === JSON.stringify(recipe) ? record : null;
}

/** Written to a temporary file and renamed, so a killed run never leaves half a record. */
function writeRecord(out: string, row: Candidate, fold: number, record: FoldRecord): void {
  const file = recordPath(out, row, fold);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(temporary, file);
}

const mean = (values: number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

/** Runs the study; see the module comment. The tf backend must be set by the caller. */
export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const log = options.log ?? (() => undefined);
  const families = options.families ?? STUDY_FAMILIES;
  const budgets = options.budgets ?? STUDY_BUDGETS;
  const { height, width } = options.costSize;
  const candidates: Candidate[] = [];
  const unfit: StudyResult['unfit'] = [];
  for (const budget of budgets) {
    for (const family of families) {
      const candidate = fitBudget(family, budget, height, width);
      if (candidate) candidates.push(candidate);
      else unfit.push({ family: family.name, budget: budget.name });
    }
  }
  const rows: StudyRow[] = candidates.map((c) => ({
    ...c,
    folds: [],
    f1: Number.NaN,
    f1Tolerant: Number.NaN,
    latencyMs: Number.NaN,
    pareto: false,
  }));
  mkdirSync(options.out, { recursive: true });
  const recipe = recipeOf(options);
  let reused = 0;
  // Fold by fold, so each row's folds stay in order: a student-fold stored by an earlier run with
  // this recipe is read back, the others are trained (unless reportOnly).
  for (const fold of options.folds) {
    const pending: StudyRow[] = [];
    for (const row of rows) {
      const record = readRecord(options.out, row, fold, recipe);
      if (record) {
        const { strict, tolerant, seconds } = record;
        row.folds.push({ fold, strict, tolerant, seconds });
        reused += 1;
      } else if (!options.reportOnly) pending.push(row);
    }
    if (pending.length === 0) continue;
    const { train: trainSet, test } = await loadFold(options.data, fold);
    log(`fold ${fold}: ${trainSet.length} training, ${test.length} test images`);
    for (const row of pending) {
      const began = performance.now();
      const model = createUnet({ ...row.config, seed: mixSeed(options.seed, fold) });
      await train(model, trainSet, options, `fold ${fold} ${row.budget} ${row.family}`);
      const scores = score(model, test, row.config.depth ?? 4);
      // Kept for the pruning of the best student; the record, written last, marks it done.
      if (options.prune) await model.save(nodeFileSystem(modelDir(options.out, row, fold)));
      model.dispose();
      const seconds = (performance.now() - began) / 1000;
      writeRecord(options.out, row, fold, { recipe, fold, ...scores, seconds });
      row.folds.push({ fold, ...scores, seconds });
      log(
        `fold ${fold} ${row.budget} ${row.family} (baseFilters ${row.config.baseFilters}): F1 ${scores.strict.f1.toFixed(4)}, F1_2 ${scores.tolerant.f1.toFixed(4)}, ${seconds.toFixed(0)} s`,
      );
    }
  }
  if (reused > 0) log(`${reused} student-folds read from earlier runs in ${options.out}`);
  for (const row of rows) {
    row.f1 = mean(row.folds.map((f) => f.strict.f1));
    row.f1Tolerant = mean(row.folds.map((f) => f.tolerant.f1));
  }
  if (options.prune) {
    for (const budget of budgets) {
      const complete = rows.filter(
        (r) => r.budget === budget.name && r.folds.length === options.folds.length,
      );
      if (complete.length === 0) continue;
      // The best by mean F1 at 2 px whose blocks @crack/prune can prune (ShuffleNet's channel
      // shuffle, a Reshape-Permute-Reshape, is not in its channel-dependency analysis).
      const ranked = [...complete].sort((a, b) => b.f1Tolerant - a.f1Tolerant);
      const best = ranked.find((row) => prunable(row, log));
      const pruned = best ? await pruneBest(best, options, recipe, log) : null;
      if (pruned) rows.push(pruned);
    }
  }
  // Latency after training, in rounds over all students (one pass of each per round), so a
  // change of the machine's load during the measurement touches every student alike; the
  // weights do not change the work of a forward pass, so a fresh model is timed.
  await measureLatencies(rows, options, log);
  const files: string[] = [];
  for (const budget of budgets) {
    // The front and the plot compare students scored on every requested fold, with a measured
    // latency: a mean over other folds is not comparable (CFD's folds differ by up to 0.2 F1).
    const members = rows.filter((r) => r.budget === budget.name);
    const scored = members.filter(
      (r) => r.folds.length === options.folds.length && Number.isFinite(r.latencyMs),
    );
    const points = scored.map((r) => ({ label: r.family, x: r.latencyMs, y: r.f1Tolerant }));
    for (const i of paretoFront(points)) scored[i]!.pareto = true;
    if (scored.length === 0) continue;
    const file = path.join(options.out, `pareto-${budget.name}.png`);
    writeFileSync(
      file,
      paretoPng(points, { title: `f1 (2 px) vs latency, budget ${budget.name}` }),
    );
    files.push(file);
  }
  const { log: _log, families: _f, budgets: _b, ...recorded } = options;
  const result: StudyResult = {
    options: { ...recorded, families, budgets },
    rows,
    unfit,
    backend: tf.getBackend(),
    files,
  };
  const json = path.join(options.out, 'results.json');
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  const markdown = path.join(options.out, 'results.md');
  writeFileSync(markdown, `${studyTable(result)}\n${studyVerdict(result)}`);
  files.push(json, markdown);
  return result;
}

const figure = (value: number) => (Number.isNaN(value) ? 'not run' : value.toFixed(4));

/** The results as a markdown table, one row per student, budgets in order. */
export function studyTable(result: StudyResult): string {
  const lines = [
    `Folds ${result.options.folds.join(', ')}; ${result.options.epochs} epochs; backend ${result.backend}; params and MACs at ${result.options.costSize.width}x${result.options.costSize.height}; latency: median of ${result.options.latencyRuns} forward passes (rounds over all students). F1: micro at threshold 0.5, mean over the folds done (column folds).`,
    '',
    '| budget | student | baseFilters | params | GMAC | latency (ms) | folds | F1 | F1_2 | Pareto |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.budget} | ${row.family} | ${row.config.baseFilters} | ${row.params} | ${(row.macs / 1e9).toFixed(3)} | ${Number.isNaN(row.latencyMs) ? 'not measured' : row.latencyMs.toFixed(1)} | ${row.folds.length} | ${figure(row.f1)} | ${figure(row.f1Tolerant)} | ${row.pareto ? 'yes' : ''} |`,
    );
  }
  for (const { family, budget } of result.unfit)
    lines.push(`| ${budget} | ${family} | does not fit | | | | | | | |`);
  return `${lines.join('\n')}\n`;
}

/**
 * The study's question in one paragraph: which students beat the thesis's (the standard family
 * at the first budget, 2 pools and 8 channels at 30k) on held-out F1, strict or within 2 px, at
 * equal or lower latency. Only rows scored on the same folds as the thesis's row are compared.
 */
export function studyVerdict(result: StudyResult): string {
  const budget = result.options.budgets[0]?.name;
  const thesis = result.rows.find(
    (row) => row.family === 'standard (thesis)' && row.budget === budget && !row.prunedFrom,
  );
  if (!thesis || thesis.folds.length === 0)
    return "The thesis's student has no finished fold yet: no verdict.\n";
  const folds = (row: StudyRow) =>
    row.folds
      .map((f) => f.fold)
      .sort((a, b) => a - b)
      .join(',');
  const same = result.rows.filter((row) => row !== thesis && folds(row) === folds(thesis));
  const fast = same.filter((row) => row.latencyMs <= thesis.latencyMs);
  const list = (rows: StudyRow[], key: 'f1' | 'f1Tolerant') =>
    rows.length === 0
      ? 'none'
      : rows
          .map(
            (row) =>
              `${row.family} (${row.budget}, ${row[key].toFixed(4)}, ${row.latencyMs.toFixed(1)} ms)`,
          )
          .join('; ');
  const strict = fast.filter((row) => row.f1 > thesis.f1);
  const tolerant = fast.filter((row) => row.f1Tolerant > thesis.f1Tolerant);
  const missing = result.rows.length - 1 - same.length;
  return [
    `Against the thesis's student (standard, ${budget}: F1 ${thesis.f1.toFixed(4)}, F1_2 ${thesis.f1Tolerant.toFixed(4)}, ${thesis.latencyMs.toFixed(1)} ms; folds ${folds(thesis)}),`,
    `among the ${same.length} students scored on the same folds, at equal or lower latency:`,
    `better strict F1: ${list(strict, 'f1')};`,
    `better F1 within 2 px: ${list(tolerant, 'f1Tolerant')}.`,
    ...(missing > 0 ? [`${missing} other rows have other folds and are not compared.`] : []),
  ]
    .join(' ')
    .concat('\n');
}
