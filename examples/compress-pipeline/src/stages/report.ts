/** Stage 7: write report.md and report.json from the evaluation, the config and the stage timings. */
import type { StageContext } from '../context';
import { type ReportRow, reportRow, reportTable, THESIS_TABLE_4_6 } from '../report';
import { readJson, writeFileAtomicSync, writeJsonAtomic } from '../run-dir';
import type { EvaluationFile } from './evaluate';
import { describeRefit } from './prune';

/** Contents of report.json. */
export interface ReportFile {
  runDir: string;
  preset: string;
  data: string;
  backend: string | null;
  evaluation: {
    images: string[];
    threshold: number;
    tolerance: number;
    size: { height: number; width: number } | null;
    averaging: 'micro';
  };
  models: ReportRow[];
  stageSeconds: Record<string, number | undefined>;
}

/** Writes report.md and report.json; returns the Markdown table (the CLI prints it). */
export async function writeReport(context: StageContext): Promise<Record<string, unknown>> {
  const { run, config, log } = context;
  const evaluation = readJson<EvaluationFile>(run.path('eval', 'metrics.json'));
  if (!evaluation)
    throw new Error(`${run.path('eval', 'metrics.json')} is missing: run the evaluate stage first`);
  const { description } = await context.data();
  const rows = evaluation.models.map(reportRow);
  const state = run.readState();
  const stageSeconds = Object.fromEntries(
    Object.entries(state.stages).map(([stage, record]) => [stage, record?.seconds]),
  );
  const size = evaluation.models[0]?.cost ?? null;
  const report: ReportFile = {
    runDir: run.root,
    preset: config.preset,
    data: description,
    backend: evaluation.backend ?? null,
    evaluation: {
      images: evaluation.images,
      threshold: evaluation.threshold,
      tolerance: evaluation.tolerance,
      size: size ? { height: size.height, width: size.width } : null,
      averaging: 'micro',
    },
    models: rows,
    stageSeconds,
  };
  const table = reportTable(rows, evaluation.tolerance);
  const markdown = [
    '# Compression pipeline report',
    '',
    `- run directory: \`${run.root}\``,
    `- preset: ${config.preset}; data: ${description}`,
    `- teacher: U-Net depth ${config.teacher.depth}, ${config.teacher.baseFilters} base channels, ${config.teacher.epochs} epochs; students: depth ${config.student.depth}, ${config.student.baseFilters} channels, ${config.student.epochs} epochs; pruning: ${config.prune.criterion}, ratio ${config.prune.ratio}, ${config.prune.sites} sites, ${describeRefit(config.prune.ridge, config.prune.holdout)}, ${config.prune.finetuneEpochs} fine-tuning epochs`,
    `- backend: ${evaluation.backend ?? 'unknown'}; latency = median forward time of one ${size ? `${size.width}x${size.height}` : ''} image`,
    `- scores on ${evaluation.images.length} held-out images, threshold ${evaluation.threshold}, micro-averaged (counts summed over images); tolerant columns with ${evaluation.tolerance} px; params include biases; MACs per eq 4-2 at the evaluation size`,
    `- one training seed (${config.training.seed}): ${config.preset === 'quick' ? "the students' F1 at the threshold moves from seed to seed (the control 0.754-0.873 over six seeds), more than distillation or pruning moves it, so compare them over several seeds (`branch --seed`; the six seeds are in the example's README)" : 'a difference between two models smaller than their seed-to-seed spread is not a result (`branch --seed` trains more seeds from the same teacher)'}`,
    '',
    table,
    '',
    '## The thesis, for reference (Table 4-6)',
    '',
    THESIS_TABLE_4_6,
    '',
    '## Stage wall times (s)',
    '',
    ...Object.entries(stageSeconds).map(([stage, seconds]) => `- ${stage}: ${seconds ?? '?'}`),
    '',
    '## Overlays',
    '',
    ...evaluation.overlays.flatMap((overlay) => [
      `Panels: ${overlay.panels.join(' | ')}`,
      '',
      `![${overlay.id}](${overlay.file})`,
      '',
    ]),
  ].join('\n');
  writeJsonAtomic(run.path('report.json'), report);
  writeFileAtomicSync(run.path('report.md'), `${markdown}\n`);
  log(`report: ${run.path('report.md')}`);
  return { rows: rows.length };
}
