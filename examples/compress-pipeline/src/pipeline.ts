/**
 * The whole framework of thesis section 6 (Fig 4-1) as a sequence of resumable stages:
 * teacher -> teacher logits -> students (control and distilled) -> pruning -> fine-tuning ->
 * evaluation -> export -> report. Finished stages are skipped on a rerun.
 */
import path from 'node:path';
import type { PipelineConfig } from './config';
import { type ContextOptions, createContext, runStage, type StageContext } from './context';
import { meanRows, type ReportRow, reportTable, THESIS_TABLE_4_6 } from './report';
import { readJson, STAGES, type StageId, writeFileAtomicSync, writeJsonAtomic } from './run-dir';
import { cacheTeacher } from './stages/cache-teacher';
import { evaluateModels } from './stages/evaluate';
import { exportModels } from './stages/export';
import { finetunePruned } from './stages/finetune';
import { pruneStudent } from './stages/prune';
import { type ReportFile, writeReport } from './stages/report';
import { trainScratch } from './stages/train-scratch';
import { trainStudent } from './stages/train-student';
import { trainTeacher } from './stages/train-teacher';

/** The work of every stage. */
export const STAGE_WORK: Record<
  StageId,
  (context: StageContext) => Promise<Record<string, unknown> | undefined>
> = {
  'train-teacher': trainTeacher,
  'cache-teacher': cacheTeacher,
  'train-student-plain': (context) => trainStudent(context, false),
  'train-student-distilled': (context) => trainStudent(context, true),
  prune: pruneStudent,
  finetune: finetunePruned,
  'train-scratch': trainScratch,
  evaluate: evaluateModels,
  export: exportModels,
  report: writeReport,
};

/** Runs every stage that is not done yet, in order. */
export async function runPipeline(context: StageContext): Promise<void> {
  for (const stage of STAGES) await runStage(context, stage, () => STAGE_WORK[stage](context));
}

/**
 * Runs the pipeline once per fold in `<root>/fold-<i>` and writes a summary report (means over the
 * folds, as the thesis reports its 6 CFD folds) to `<root>/report.md` and `<root>/report.json`.
 */
export async function runAllFolds(
  root: string,
  config: PipelineConfig,
  options: ContextOptions,
): Promise<void> {
  const folds = config.folds as number;
  const perFold: ReportFile[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const context = createContext(path.join(root, `fold-${fold}`), { ...config, fold }, options);
    context.log(`=== fold ${fold} of ${folds} ===`);
    await runPipeline(context);
    const report = readJson<ReportFile>(context.run.path('report.json'));
    if (report) perFold.push(report);
  }
  const mean = meanRows(perFold.map((report) => report.models));
  const tolerance = config.evaluate.tolerance;
  writeJsonAtomic(path.join(root, 'report.json'), { folds: perFold.length, mean, perFold });
  const markdown = [
    `# Compression pipeline report: mean over ${perFold.length} folds`,
    '',
    `- run directory: \`${root}\`; preset ${config.preset}; one run per fold in fold-<i>/`,
    '',
    reportTable(mean, tolerance),
    '',
    ...perFold.flatMap((report, fold) => [
      `## Fold ${fold}: ${report.data}`,
      '',
      reportTable(report.models, tolerance),
      '',
    ]),
    '## The thesis, for reference (Table 4-6)',
    '',
    THESIS_TABLE_4_6,
    '',
  ].join('\n');
  writeFileAtomicSync(path.join(root, 'report.md'), markdown);
}

/** The summary rows of a run directory's report.json (one run, or the mean over folds). */
export function reportRows(root: string): ReportRow[] | null {
  const report = readJson<{ models?: ReportRow[]; mean?: ReportRow[] }>(
    path.join(root, 'report.json'),
  );
  return report?.mean ?? report?.models ?? null;
}
