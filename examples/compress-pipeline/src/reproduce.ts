/**
 * `compress-pipeline reproduce`: the thesis's Tables 4-4, 4-5 and 4-6 on k folds and several seeds
 * in one resumable command. Layout of the output folder:
 *
 * ```
 * <out>/config.json                     the base config (the flags applied to the preset)
 * <out>/fold-<f>/teacher/               train-teacher + cache-teacher (once per fold, first seed)
 * <out>/fold-<f>/seed-<s>/base/         control and distilled student (default distillation),
 *                                       pruned + fine-tuned (default pruning), pruned architecture
 *                                       from scratch; branched from the fold's teacher
 * <out>/fold-<f>/seed-<s>/<arm>/        one Table 4-4 or 4-5 variant, branched from base
 * <out>/results.json, <out>/tables.md   every finished (fold, seed): per-arm scores, means, paired
 *                                       differences against the control
 * ```
 *
 * Every run directory resumes like `run` does, so the command can be stopped and rerun at any
 * time; `--only-folds` lets two processes share the work (one per core).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { branchRun } from './branch';
import type { PipelineConfig } from './config';
import { type ContextOptions, createContext, runStage, type StageContext } from './context';
import { UsageError } from './flags';
import { STAGE_WORK } from './pipeline';
import { formatMacs, type ReportRow, reportTable } from './report';
import { withDefaults } from './resolve-config';
import { RunDir, readJson, type StageId, writeFileAtomicSync, writeJsonAtomic } from './run-dir';
import type { ReportFile } from './stages/report';

/** A variant of the base run: how its config differs, what it reuses and which stages it runs. */
export interface Arm {
  name: string;
  /**
   * The table it belongs to: 4-4 (distillation, against the control), 4-5 (pruning the
   * distilled student, against it), 4-5-control (pruning the control, against the control) or
   * long (the recipe with twice the student epochs, against the control trained that long) or
   * no-augment (twice the epochs without augmentation, against the control trained so).
   */
  table: '4-4' | '4-5' | '4-5-control' | 'long' | 'no-augment';
  /**
   * The arm whose finished run this one branches from (its reused stages are copied from
   * there), run first when it is not finished; by default the base run.
   */
  from?: string;
  /** One line for the tables. */
  label: string;
  change: (config: PipelineConfig) => void;
  reuse: string[];
  stages: StageId[];
  /** The model id whose row represents the arm. */
  model: 'studentPlain' | 'studentDistilled' | 'prunedFinetuned';
}

const DISTILL_STAGES: StageId[] = ['train-student-distilled', 'evaluate', 'report'];
const PRUNE_STAGES: StageId[] = ['prune', 'finetune', 'evaluate', 'report'];
const TEACHER_STAGES = ['train-teacher', 'cache-teacher'];

/** A distillation arm reuses the teacher, trains its distilled student and reports that row. */
const DISTILL_ARM: Pick<Arm, 'reuse' | 'stages' | 'model'> = {
  reuse: TEACHER_STAGES,
  stages: DISTILL_STAGES,
  model: 'studentDistilled',
};

/** A pruning arm reuses the teacher and both students, prunes, fine-tunes and reports that row. */
const PRUNE_ARM: Pick<Arm, 'reuse' | 'stages' | 'model'> = {
  reuse: [...TEACHER_STAGES, 'train-student-plain', 'train-student-distilled'],
  stages: PRUNE_STAGES,
  model: 'prunedFinetuned',
};

/**
 * An arm that trains only the control student, `factor` times the preset's epochs (and with
 * `more` changes, if any).
 */
function longerControl(
  name: string,
  factor: number,
  table: Arm['table'],
  label: string,
  more: (config: PipelineConfig) => void = () => undefined,
): Arm {
  return {
    name,
    table,
    label,
    change: (c) => {
      c.student.epochs *= factor;
      more(c);
    },
    reuse: TEACHER_STAGES,
    stages: ['train-student-plain', 'evaluate', 'report'],
    model: 'studentPlain',
  };
}

/**
 * The shipped model's recipe (no teacher anywhere) on the longer-trained control `from`: its
 * student, whose run this arm branches from, pruned and fine-tuned `factor` times the epochs
 * towards itself.
 */
function prunedLongerControl(name: string, from: string, factor: number, label: string): Arm {
  return {
    name,
    table: 'long',
    label,
    from,
    change: (c) => {
      c.student.epochs *= factor;
      c.prune.parent = 'plain';
      c.prune.finetuneTeacher = 'parent';
      c.prune.finetuneEpochs *= factor;
    },
    reuse: [...TEACHER_STAGES, 'train-student-plain'],
    stages: PRUNE_STAGES,
    model: 'prunedFinetuned',
  };
}

/** Eq 4-4's hinge on probabilities (a = 1, background weight b, no margin) at weight 1. */
function probabilityHinge(c: PipelineConfig, beta = 1): void {
  Object.assign(c.distill, { loss: 'hinge', alpha: 1, beta, margin: null });
  c.distill.space = 'probability';
  c.distill.softWeight = 1;
}

/**
 * Eq 4-4's hinge on probabilities (a = b = 1) at `weight`, twice the epochs, without augmentation:
 * the distilled half of the no-augment pair (against control-no-augment).
 */
function distilledWithoutAugmentation(name: string, weight: number): Arm {
  return {
    name,
    table: 'no-augment',
    label: `eq 4-4 hinge on probabilities (a = 1, b = 1), weight ${weight}, twice the epochs, no augmentation`,
    change: (c) => {
      c.student.epochs *= 2;
      c.training.augment = false;
      probabilityHinge(c);
      c.distill.softWeight = weight;
    },
    ...DISTILL_ARM,
  };
}

/** The variants of the ablation (the base run carries the defaults of the config). */
export const ARMS: readonly Arm[] = [
  {
    name: 'distill-thesis',
    table: '4-4',
    label: 'eq 4-4 hinge (a = 0, b = 1), weight 1: the thesis',
    change: (c) => {
      Object.assign(c.distill, { loss: 'hinge', alpha: 0, beta: 1, margin: null, space: 'logit' });
      c.distill.softWeight = 1;
    },
    ...DISTILL_ARM,
  },
  {
    name: 'distill-margin',
    table: '4-4',
    label: 'eq 4-4 hinge towards max(z, -4), weight 1',
    change: (c) => {
      Object.assign(c.distill, { loss: 'hinge', alpha: 0, beta: 1, margin: 4, space: 'logit' });
      c.distill.softWeight = 1;
    },
    ...DISTILL_ARM,
  },
  {
    name: 'distill-kd',
    table: '4-4',
    label: 'binary KD, T = 2, weight 1',
    change: (c) => {
      Object.assign(c.distill, { loss: 'kd', alpha: 0, space: 'logit', temperature: 2 });
      c.distill.softWeight = 1;
    },
    ...DISTILL_ARM,
  },
  {
    name: 'distill-probability',
    table: '4-4',
    label: 'eq 4-4 hinge on probabilities (a = 1, b = 1), weight 1',
    change: (c) => {
      probabilityHinge(c);
    },
    ...DISTILL_ARM,
  },
  // How far the control is from converged (the cfd preset trained 20 epochs then; it trains 40
  // since), and whether it still is at twice the epochs (against control-double-epochs).
  longerControl('control-double-epochs', 2, '4-4', 'twice the epochs, no distillation'),
  longerControl('control-quad-epochs', 4, 'long', 'four times the epochs, no distillation'),
  {
    name: 'distill-double-epochs',
    table: 'long',
    label: 'eq 4-4 hinge on probabilities (a = 1, b = 1), weight 1, twice the epochs',
    // Does distillation help a student that is closer to converged? Against control-double-epochs.
    change: (c) => {
      c.student.epochs *= 2;
      probabilityHinge(c);
    },
    ...DISTILL_ARM,
  },
  {
    name: 'distill-teacher-double-epochs',
    table: 'long',
    label:
      'eq 4-4 hinge on probabilities (a = 1, b = 1), weight 1, twice the epochs, from a teacher also trained twice the epochs',
    // Is the teacher undertrained too, and does a better one make distillation pay? It trains its
    // own teacher (nothing reused) and is paired with control-double-epochs.
    change: (c) => {
      c.teacher.epochs *= 2;
      c.student.epochs *= 2;
      probabilityHinge(c);
    },
    reuse: [],
    stages: ['train-teacher', 'cache-teacher', ...DISTILL_STAGES],
    model: 'studentDistilled',
  },
  prunedLongerControl(
    'prune-control-double-epochs',
    'control-double-epochs',
    2,
    'LASSO on the control trained twice the epochs, crack-aware positions, fine-tuned twice the epochs towards itself',
  ),
  prunedLongerControl(
    'prune-control-quad-epochs',
    'control-quad-epochs',
    4,
    'LASSO on the control trained four times the epochs, crack-aware positions, fine-tuned four times the epochs towards itself',
  ),
  // The thesis trained without augmentation (98 images, 50 epochs), where a student overfits and
  // distillation can act as a regulariser; this recipe augments. Does distillation help once the
  // augmentation is taken away? The pair at 40 epochs, against control-double-epochs and
  // distill-double-epochs (the same with augmentation).
  longerControl(
    'control-no-augment',
    2,
    'no-augment',
    'twice the epochs, no distillation, no augmentation',
    (c) => {
      c.training.augment = false;
    },
  ),
  distilledWithoutAugmentation('distill-no-augment', 1),
  // Without augmentation distillation gained +0.0024 at weight 1 (6 of 6 folds), as a regulariser
  // would: does twice the weight give twice the gain? Against control-no-augment.
  distilledWithoutAugmentation('distill-no-augment-weight-2', 2),
  {
    name: 'distill-balanced',
    table: '4-4',
    label: 'eq 4-4 hinge on probabilities (a = 1, b = the background weight), weight 1',
    // The cross-entropy weighs background pixels by training.negativeWeight (0.7): with b = 1 the
    // distillation term adds back weight on background and moves the student towards precision
    // (on the demo's data: recall 0.73 -> 0.62). b = negativeWeight keeps the hard loss's balance.
    change: (c) => {
      probabilityHinge(c, c.training.negativeWeight);
    },
    ...DISTILL_ARM,
  },
  {
    name: 'prune-thesis',
    table: '4-5',
    label:
      'LASSO on the distilled student, uniform positions, fine-tuned from the teacher (the thesis)',
    change: (c) => {
      c.prune.parent = 'distilled';
      c.prune.crackFraction = 0;
      c.prune.finetuneTeacher = 'teacher';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-l1',
    table: '4-5',
    label: 'L1-norm of the filters, same sampling and fine-tuning as the default',
    change: (c) => {
      c.prune.criterion = 'l1';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-random',
    table: '4-5',
    label: 'random channels, same sampling and fine-tuning as the default',
    change: (c) => {
      c.prune.criterion = 'random';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-parent-ft',
    table: '4-5',
    label: 'LASSO, crack-aware positions, fine-tuned towards the unpruned parent',
    change: (c) => {
      c.prune.parent = 'distilled';
      c.prune.crackFraction = 0.5;
      c.prune.finetuneTeacher = 'parent';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-teacher-ft',
    table: '4-5',
    label:
      "LASSO, crack-aware positions as the default, fine-tuned from the teacher (the thesis's fine-tuning)",
    change: (c) => {
      c.prune.parent = 'distilled';
      c.prune.crackFraction = 0.5;
      c.prune.finetuneTeacher = 'teacher';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-control-teacher-ft',
    table: '4-5-control',
    label:
      'LASSO on the control student, crack-aware positions, fine-tuned from the teacher (the teacher only in fine-tuning)',
    change: (c) => {
      c.prune.parent = 'plain';
      c.prune.finetuneTeacher = 'teacher';
    },
    ...PRUNE_ARM,
  },
  {
    name: 'prune-control',
    table: '4-5-control',
    label:
      "LASSO on the control student, same sampling and fine-tuning as the default but towards itself (no teacher anywhere: the shipped model's recipe)",
    change: (c) => {
      c.prune.parent = 'plain';
      c.prune.finetuneTeacher = 'parent';
    },
    ...PRUNE_ARM,
  },
];

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  /** Seeds of the students (the teacher of a fold uses the first). */
  seeds: number[];
  /** Folds to work on (default all); the summary covers whatever is finished. */
  folds: number[];
  /** Arms to run (default all of {@link ARMS}). */
  arms: readonly Arm[];
  /**
   * Whether to train the base run's models (default true). With false, each (fold, seed) gets its
   * base directory (for the arms to branch from) but only the teacher and the arms are trained:
   * for adding arms that reuse nothing but the teacher to a study whose base rows exist already,
   * e.g. in an earlier results.json passed as {@link ReproduceOptions.earlier}.
   */
  base?: boolean;
  /**
   * results.json files of earlier runs of the same study (e.g. from a run directory that is gone,
   * or from another machine): their rows are tabled with this run's; where both have a row of the
   * same (fold, seed), this run's wins.
   */
  earlier?: readonly string[];
  context: ContextOptions;
}

const BASE_STAGES: StageId[] = [
  'train-student-plain',
  'train-student-distilled',
  'prune',
  'finetune',
  'train-scratch',
  'evaluate',
  'report',
];

/** Runs (or resumes) every fold x seed x arm, then writes results.json and tables.md. */
export async function reproduce(
  root: string,
  config: PipelineConfig,
  options: ReproduceOptions,
): Promise<void> {
  const trainBase = options.base ?? true;
  if (!trainBase) {
    const needsBase = options.arms.filter(
      (arm) => arm.from === undefined && arm.reuse.some((stage) => !TEACHER_STAGES.includes(stage)),
    );
    if (needsBase.length > 0)
      throw new UsageError(
        `without the base run, ${needsBase.map((arm) => arm.name).join(', ')} cannot run: they reuse the base run's students`,
      );
  }
  // Read once, now: a wrong path fails before hours of training, not at the first summary.
  const earlier = (options.earlier ?? []).map(readResults);
  for (const fold of options.folds) {
    const teacherDir = path.join(root, `fold-${fold}`, 'teacher');
    const teacherConfig = storedOr(
      teacherDir,
      withFoldSeed(config, fold, options.seeds[0] as number),
    );
    const teacher = createContext(teacherDir, teacherConfig, options.context);
    teacher.log(`=== reproduce: fold ${fold}, teacher ===`);
    await runStages(teacher, ['train-teacher', 'cache-teacher']);
    for (const seed of options.seeds) {
      const baseDir = path.join(root, `fold-${fold}`, `seed-${seed}`, 'base');
      let baseConfig = withFoldSeed(config, fold, seed);
      if (!existsSync(path.join(baseDir, 'config.json')))
        branchRun(teacherDir, baseDir, baseConfig, TEACHER_STAGES);
      else baseConfig = storedOr(baseDir, baseConfig);
      const base = createContext(baseDir, baseConfig, options.context);
      if (trainBase) {
        base.log(`=== reproduce: fold ${fold}, seed ${seed}, base ===`);
        await runStages(base, BASE_STAGES);
      }
      const seedDir = path.join(root, `fold-${fold}`, `seed-${seed}`);
      const done = new Set<string>();
      const run = async (arm: Arm): Promise<void> => {
        if (done.has(arm.name)) return;
        done.add(arm.name);
        const armDir = path.join(seedDir, arm.name);
        if (!existsSync(armDir) && sameAsBase(baseConfig, arm)) {
          base.log(
            `=== reproduce: fold ${fold}, seed ${seed}, ${arm.name}: the base run's own recipe, skipped (its row is the base's) ===`,
          );
          return;
        }
        const parent = arm.from === undefined ? undefined : armNamed(arm.from);
        // The arm it branches from runs first (a no-op when it is finished).
        if (parent) await run(parent);
        await runArm(
          parent ? path.join(seedDir, parent.name) : baseDir,
          armDir,
          baseConfig,
          arm,
          options.context,
          `fold ${fold}, seed ${seed}, `,
        );
      };
      for (const arm of options.arms) await run(arm);
      summarise(root, config, earlier);
    }
  }
  summarise(root, config, earlier);
}

/** The arm called `name` in {@link ARMS}; throws on an unknown name (a mistake in the table). */
function armNamed(name: string): Arm {
  const arm = ARMS.find((candidate) => candidate.name === name);
  if (!arm) throw new Error(`no reproduce arm is called ${name}`);
  return arm;
}

/**
 * Runs (or resumes) one arm: `armDir` is branched from the finished run `baseDir` (whose config is
 * `baseConfig`) with the arm's change, reusing the arm's stages, unless it exists already; then the
 * arm's stages that are not done run. Returns the arm's config: the one it was started with when it
 * exists (its config.json, with fields added since filled by {@link withDefaults}), so a resumed
 * arm never mixes settings of two versions.
 */
export async function runArm(
  baseDir: string,
  armDir: string,
  baseConfig: PipelineConfig,
  arm: Arm,
  options: ContextOptions,
  where = '',
): Promise<PipelineConfig> {
  let armConfig = structuredClone(baseConfig);
  arm.change(armConfig);
  if (!existsSync(path.join(armDir, 'config.json')))
    branchRun(baseDir, armDir, armConfig, arm.reuse);
  else armConfig = storedOr(armDir, armConfig);
  const context = createContext(armDir, armConfig, options);
  context.log(`=== reproduce: ${where}${arm.name} ===`);
  await runStages(context, arm.stages);
  return armConfig;
}

/** Whether `arm` changes nothing in `baseConfig` (the preset's default is the arm's recipe). */
export function sameAsBase(baseConfig: PipelineConfig, arm: Arm): boolean {
  const armConfig = structuredClone(baseConfig);
  arm.change(armConfig);
  return JSON.stringify(armConfig) === JSON.stringify(baseConfig);
}

/**
 * The config a run directory was started with (fields added since filled as they behaved then),
 * or `fresh` for a new directory: a resumed run keeps its settings even when today's preset
 * defaults differ.
 */
function storedOr(dir: string, fresh: PipelineConfig): PipelineConfig {
  const stored = new RunDir(dir).readConfig();
  return stored ? withDefaults(stored) : fresh;
}

function withFoldSeed(config: PipelineConfig, fold: number, seed: number): PipelineConfig {
  const copy = structuredClone(config);
  copy.fold = fold;
  copy.training.seed = seed;
  return copy;
}

async function runStages(context: StageContext, stages: readonly StageId[]): Promise<void> {
  for (const stage of stages) await runStage(context, stage, () => STAGE_WORK[stage](context));
}

/** One (fold, seed) result: each arm's row and the base rows. */
export interface Replicate {
  fold: number;
  seed: number;
  rows: Record<string, ReportRow>;
}

/**
 * Collects every finished (fold, seed) under `root`, with the rows of earlier results.json files
 * (each file's replicates as {@link readResults} returns them; this run's rows win where both have
 * one), and writes results.json and tables.md.
 */
export function summarise(
  root: string,
  config: PipelineConfig,
  earlier: readonly (readonly Replicate[])[] = [],
): void {
  const replicates: Replicate[] = [];
  for (let fold = 0; fold < (config.folds ?? 1); fold++) {
    for (const seedDir of listDirs(path.join(root, `fold-${fold}`))) {
      const match = /^seed-(\d+)$/.exec(seedDir);
      if (!match) continue;
      const rows: Record<string, ReportRow> = {};
      const where = path.join(root, `fold-${fold}`, seedDir);
      const base = readJson<ReportFile>(path.join(where, 'base', 'report.json'));
      for (const row of base?.models ?? []) rows[`base.${row.id}`] = row;
      for (const arm of ARMS) {
        const report = readJson<ReportFile>(path.join(where, arm.name, 'report.json'));
        const row = report?.models.find((candidate) => candidate.id === arm.model);
        if (row) rows[arm.name] = row;
        // A pruning arm's model before its fine-tuning, too: what the fine-tuning adds; and the
        // teacher of an arm that trains its own.
        const before = report?.models.find((candidate) => candidate.id === 'pruned');
        if (arm.model === 'prunedFinetuned' && before) rows[`${arm.name}:pruned`] = before;
        const teacher = report?.models.find((candidate) => candidate.id === 'teacher');
        if (arm.stages.includes('train-teacher') && teacher) rows[`${arm.name}:teacher`] = teacher;
      }
      if (Object.keys(rows).length > 0) replicates.push({ fold, seed: Number(match[1]), rows });
    }
  }
  for (const file of earlier) mergeReplicates(replicates, file);
  replicates.sort((a, b) => a.fold - b.fold || a.seed - b.seed);
  writeJsonAtomic(path.join(root, 'results.json'), { replicates });
  writeFileAtomicSync(path.join(root, 'tables.md'), `${tables(replicates, config)}\n`);
}

/** The replicates of a results.json written by {@link summarise}; throws a clear error otherwise. */
export function readResults(file: string): Replicate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: cannot read earlier results (${(error as Error).message})`);
  }
  const replicates = (parsed as { replicates?: unknown }).replicates;
  if (
    !Array.isArray(replicates) ||
    !replicates.every(
      (r) =>
        Number.isInteger(r?.fold) &&
        Number.isInteger(r?.seed) &&
        typeof r?.rows === 'object' &&
        r.rows !== null,
    )
  )
    throw new UsageError(
      `${file}: not a reproduce results.json (expected { replicates: [{ fold, seed, rows }] })`,
    );
  return replicates as Replicate[];
}

/** Adds `from`'s rows to `into`: a (fold, seed) it lacks whole, else only the rows it lacks. */
function mergeReplicates(into: Replicate[], from: readonly Replicate[]): void {
  for (const replicate of from) {
    const same = into.find((r) => r.fold === replicate.fold && r.seed === replicate.seed);
    if (same) same.rows = { ...replicate.rows, ...same.rows };
    else into.push({ fold: replicate.fold, seed: replicate.seed, rows: { ...replicate.rows } });
  }
}

function listDirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** A row of a comparison table: where its numbers come from in each replicate. */
interface Line {
  label: string;
  key: string;
}

/** Mean and sample standard deviation. */
function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd =
    values.length > 1
      ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
      : Number.NaN;
  return { mean, sd };
}

const f4 = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : '–');
const signed = (value: number): string =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(4)}` : '–';

/**
 * One comparison table: per line the replicates that have it, mean F1 / F1_2 / ODS_2, and the
 * paired difference of F1 against the reference line (mean +- sd over the replicates that have
 * both, and how many of them the line wins).
 */
function comparison(replicates: readonly Replicate[], lines: readonly Line[], reference: string) {
  const header =
    '| model | n | F1 | F1_2 | ODS_2 | params | MACs | ΔF1 vs reference (mean ± sd) | wins |';
  const rule = '|---|---|---|---|---|---|---|---|---|';
  // A line no replicate has (an arm not run, or skipped as the base recipe itself) is left out.
  const present = lines.filter(({ key }) => replicates.some((r) => r.rows[key]));
  const body = present.map(({ label, key }) => {
    const have = replicates.filter((r) => r.rows[key]);
    const rows = have.map((r) => r.rows[key] as ReportRow);
    const paired = have.filter((r) => r.rows[reference]);
    const deltas = paired.map(
      (r) => (r.rows[key] as ReportRow).f1 - (r.rows[reference] as ReportRow).f1,
    );
    const delta = meanSd(deltas);
    const wins = deltas.filter((d) => d > 0).length;
    const ods = rows.map((row) => row.odsTolerant ?? Number.NaN);
    return [
      label,
      String(have.length),
      f4(meanSd(rows.map((row) => row.f1)).mean),
      f4(meanSd(rows.map((row) => row.f1Tolerant)).mean),
      f4(meanSd(ods).mean),
      Math.round(meanSd(rows.map((row) => row.params)).mean).toLocaleString('en-US'),
      formatMacs(meanSd(rows.map((row) => row.macs)).mean),
      key === reference ? '(reference)' : `${signed(delta.mean)} ± ${f4(delta.sd)}`,
      key === reference ? '' : `${wins}/${paired.length}`,
    ]
      .join(' | ')
      .replace(/^/, '| ')
      .concat(' |');
  });
  return [header, rule, ...body].join('\n');
}

/** The Markdown of tables.md. */
function tables(replicates: readonly Replicate[], config: PipelineConfig): string {
  const defaultDistill =
    config.distill.loss === 'kd'
      ? `binary KD, T = ${config.distill.temperature}, weight ${config.distill.softWeight}`
      : `eq 4-4 hinge${config.distill.margin === null ? '' : ` towards max(z, -${config.distill.margin})`}${config.distill.space === 'probability' ? ' on probabilities' : ''}, weight ${config.distill.softWeight}`;
  const defaultPrune = `${config.prune.criterion}, ${config.prune.crackFraction > 0 ? `${config.prune.crackFraction} of the positions on cracks` : 'uniform positions'}, fine-tuned ${config.prune.finetuneEpochs} epochs from the ${config.prune.finetuneTeacher}`;
  const table44 = comparison(
    replicates,
    [
      { label: 'control student (no distillation)', key: 'base.studentPlain' },
      { label: `distilled: ${defaultDistill} (default)`, key: 'base.studentDistilled' },
      ...ARMS.filter((arm) => arm.table === '4-4').map((arm) => ({
        label: `${arm.model === 'studentPlain' ? 'control' : 'distilled'}: ${arm.label}`,
        key: arm.name,
      })),
    ],
    'base.studentPlain',
  );
  const table45 = comparison(
    replicates,
    [
      { label: 'unpruned parent (distilled student)', key: 'base.studentDistilled' },
      { label: `pruned 0.5: ${defaultPrune} (default)`, key: 'base.prunedFinetuned' },
      ...ARMS.filter((arm) => arm.table === '4-5').map((arm) => ({
        label: `pruned 0.5: ${arm.label}`,
        key: arm.name,
      })),
      {
        label: `pruned architecture from scratch (${config.student.epochs + config.prune.finetuneEpochs} epochs)`,
        key: 'base.prunedScratch',
      },
    ],
    'base.studentDistilled',
  );
  // Pruning without any teacher: the control student pruned and fine-tuned towards itself.
  const controlArms = ARMS.filter((arm) => arm.table === '4-5-control');
  const table45control = comparison(
    replicates,
    [
      { label: 'unpruned parent (control student, no distillation)', key: 'base.studentPlain' },
      ...controlArms.map((arm) => ({ label: `pruned 0.5: ${arm.label}`, key: arm.name })),
    ],
    'base.studentPlain',
  );
  // The recipe with twice the student epochs, against the control trained that long.
  const longArms = ARMS.filter((arm) => arm.table === 'long');
  const tableLong = comparison(
    replicates,
    [
      { label: 'control, twice the epochs', key: 'control-double-epochs' },
      ...longArms.flatMap((arm) =>
        arm.model === 'studentPlain'
          ? [{ label: `control: ${arm.label}`, key: arm.name }]
          : arm.model === 'prunedFinetuned'
            ? [
                { label: `pruned 0.5: ${arm.label}`, key: arm.name },
                {
                  label: 'the same pruned model before its fine-tuning',
                  key: `${arm.name}:pruned`,
                },
              ]
            : [
                { label: `distilled: ${arm.label}`, key: arm.name },
                ...(arm.stages.includes('train-teacher')
                  ? [{ label: 'its teacher', key: `${arm.name}:teacher` }]
                  : []),
              ],
      ),
    ],
    'control-double-epochs',
  );
  // Without augmentation (the thesis's setting), at twice the epochs, against the control trained so.
  const tableNoAugment = comparison(
    replicates,
    [
      { label: 'control, twice the epochs, with augmentation', key: 'control-double-epochs' },
      {
        label: 'distilled, twice the epochs, with augmentation',
        key: 'distill-double-epochs',
      },
      ...ARMS.filter((arm) => arm.table === 'no-augment').map((arm) => ({
        label: `${arm.model === 'studentPlain' ? 'control' : 'distilled'}: ${arm.label}`,
        key: arm.name,
      })),
    ],
    'control-no-augment',
  );
  const ids = ['teacher', 'studentPlain', 'studentDistilled', 'prunedFinetuned'];
  const means = ids
    .map((id) => {
      const rows = replicates
        .map((r) => r.rows[`base.${id}`])
        .filter((row): row is ReportRow => row !== undefined);
      if (rows.length === 0) return null;
      const mean = (pick: (row: ReportRow) => number | null) =>
        meanSd(rows.map((row) => pick(row) ?? Number.NaN)).mean;
      const row: ReportRow = {
        ...(rows[0] as ReportRow),
        label: `${(rows[0] as ReportRow).label} (n = ${rows.length})`,
        precision: mean((r) => r.precision),
        recall: mean((r) => r.recall),
        f1: mean((r) => r.f1),
        precisionTolerant: mean((r) => r.precisionTolerant),
        recallTolerant: mean((r) => r.recallTolerant),
        f1Tolerant: mean((r) => r.f1Tolerant),
        odsTolerant: mean((r) => r.odsTolerant),
        oisTolerant: mean((r) => r.oisTolerant),
        apTolerant: mean((r) => r.apTolerant),
        params: mean((r) => r.params),
        weights: mean((r) => r.weights),
        macs: mean((r) => r.macs),
        latencyMs: mean((r) => r.latencyMs),
      };
      return row;
    })
    .filter((row): row is ReportRow => row !== null);
  const perReplicate = [
    '| fold | seed | control F1 | distilled F1 | pruned + ft F1 | teacher F1 |',
    '|---|---|---|---|---|---|',
    ...replicates.map(
      (r) =>
        `| ${r.fold} | ${r.seed} | ${[
          'studentPlain',
          'studentDistilled',
          'prunedFinetuned',
          'teacher',
        ]
          .map((id) => f4(r.rows[`base.${id}`]?.f1 ?? Number.NaN))
          .join(' | ')} |`,
    ),
  ];
  return [
    `# Reproduction: ${replicates.length} finished (fold, seed) replicates`,
    '',
    'Micro-averaged scores on each held-out fold at threshold 0.5; tolerant columns with 2 px; means over the replicates listed at the end. ΔF1 is paired: the same fold, seed, initial weights and batches.',
    '',
    '## Table 4-4: distillation',
    '',
    table44,
    '',
    '## Table 4-5: channel pruning at ratio 0.5 (same budget)',
    '',
    table45,
    '',
    '## Table 4-5, control parent: pruning the student trained without distillation',
    '',
    table45control,
    '',
    `## Twice the student epochs (${2 * config.student.epochs}) and more: the recipe against the control trained ${2 * config.student.epochs} epochs`,
    '',
    tableLong,
    '',
    `## Without augmentation (the thesis's setting), ${2 * config.student.epochs} epochs: against the control trained so`,
    '',
    tableNoAugment,
    '',
    '## Table 4-6: the framework',
    '',
    reportTable(means, config.evaluate.tolerance),
    '',
    '## Replicates',
    '',
    ...perReplicate,
  ].join('\n');
}
