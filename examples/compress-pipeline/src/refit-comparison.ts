/**
 * The refit before/after of issue 16: a finished run directory (pruned with the thesis's plain
 * least squares on every sampled position, `ridge` 1e-6 and `holdout` 0) branched after its
 * students into a new directory that prunes them again with pruneModel's defaults (the ridge chosen
 * by cross-validation, 20 % of the positions held out), fine-tunes and evaluates with the same
 * settings otherwise. The source directory is only read. The same branching as `reproduce`'s
 * pruning arms ({@link runArm}), so the teacher, its cached logits and both students are copied,
 * never retrained.
 */
import path from 'node:path';
import type { PipelineConfig } from './config';
import type { ContextOptions } from './context';
import { UsageError } from './flags';
import type { ReportRow } from './report';
import { type Arm, runArm } from './reproduce';
import { withDefaults } from './resolve-config';
import { type ModelId, readJson } from './run-dir';
import { describeRefit } from './stages/prune';
import type { ReportFile } from './stages/report';

/** Options for {@link compareRefit}. */
export interface CompareRefitOptions {
  /** Ridge of the new refit. Default 'auto' (pruneModel's default). */
  ridge?: number | 'auto';
  /** Held-out fraction of the new refit. Default 0.2 (pruneModel's default). */
  holdout?: number;
  /** Where the stages print. */
  context?: ContextOptions;
}

/** One model of the comparison: its row in the source run's report and in the new run's. */
export interface RefitComparisonRow {
  id: ModelId;
  label: string;
  before: ReportRow | null;
  after: ReportRow | null;
}

/** What {@link compareRefit} returns. */
export interface RefitComparison {
  source: string;
  target: string;
  /** The refit of the source run (from its config, legacy fields filled as it ran). */
  before: { ridge: number | 'auto'; holdout: number };
  /** The refit of the new run. */
  after: { ridge: number | 'auto'; holdout: number };
  /** The pruned rows, then the unchanged models (whose rows should agree: the same weights). */
  rows: RefitComparisonRow[];
}

const COMPARED: ModelId[] = [
  'pruned',
  'prunedFinetuned',
  'studentDistilled',
  'studentPlain',
  'teacher',
];

/** The arm that re-prunes a finished run with another refit (like reproduce's pruning arms). */
export function refitArm(ridge: number | 'auto', holdout: number): Arm {
  return {
    name: 'prune-refit',
    table: '4-5',
    label: `the base run's pruning with ${describeRefit(ridge, holdout)}`,
    change: (config) => {
      config.prune.ridge = ridge;
      config.prune.holdout = holdout;
    },
    reuse: ['train-teacher', 'cache-teacher', 'train-student-plain', 'train-student-distilled'],
    stages: ['prune', 'finetune', 'evaluate', 'report'],
    model: 'prunedFinetuned',
  };
}

/**
 * Branches the finished run `source` into `target` with the refit of `options` and runs (or
 * resumes) prune, finetune, evaluate and report there; returns the source's and the new report
 * rows side by side. Refuses a source without report.json and a target inside the source.
 */
export async function compareRefit(
  source: string,
  target: string,
  options: CompareRefitOptions = {},
): Promise<RefitComparison> {
  const { ridge = 'auto', holdout = 0.2, context = {} } = options;
  const from = path.resolve(source);
  const to = path.resolve(target);
  if (to === from || to.startsWith(`${from}${path.sep}`))
    throw new UsageError(`--out ${to} is inside --from ${from}: the source run is only read`);
  const beforeReport = readJson<ReportFile>(path.join(from, 'report.json'));
  if (!beforeReport)
    throw new UsageError(`--from ${from} has no report.json: compare a finished run`);
  const stored = readJson<PipelineConfig>(path.join(from, 'config.json'));
  if (!stored) throw new UsageError(`--from ${from} has no config.json`);
  const base = withDefaults(stored);
  const config = await runArm(from, to, base, refitArm(ridge, holdout), context, `${from}: `);
  const afterReport = readJson<ReportFile>(path.join(to, 'report.json'));
  const find = (report: ReportFile | null, id: ModelId) =>
    report?.models.find((row) => row.id === id) ?? null;
  return {
    source: from,
    target: to,
    before: { ridge: base.prune.ridge, holdout: base.prune.holdout },
    after: { ridge: config.prune.ridge, holdout: config.prune.holdout },
    rows: COMPARED.map((id) => {
      const before = find(beforeReport, id);
      const after = find(afterReport, id);
      return { id, label: (before ?? after)?.label ?? id, before, after };
    }),
  };
}

const f4 = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(4);
const delta = (after: number | undefined, before: number | undefined): string =>
  after === undefined || before === undefined
    ? '–'
    : `${after - before >= 0 ? '+' : ''}${(after - before).toFixed(4)}`;

/** A Markdown table of a comparison: F1 strict and within the tolerance, before, after, change. */
export function refitTable(comparison: RefitComparison): string {
  const refit = ({ ridge, holdout }: RefitComparison['before']) => describeRefit(ridge, holdout);
  return [
    `before: ${comparison.source} (${refit(comparison.before)})`,
    `after:  ${comparison.target} (${refit(comparison.after)})`,
    '',
    '| model | F1 before | F1 after | ΔF1 | F1_2 before | F1_2 after | ΔF1_2 |',
    '|---|---|---|---|---|---|---|',
    ...comparison.rows.map(({ label, before, after }) =>
      [
        label,
        f4(before?.f1),
        f4(after?.f1),
        delta(after?.f1, before?.f1),
        f4(before?.f1Tolerant),
        f4(after?.f1Tolerant),
        delta(after?.f1Tolerant, before?.f1Tolerant),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
  ].join('\n');
}
