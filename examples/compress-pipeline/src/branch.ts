/**
 * `compress-pipeline branch`: a new run directory that reuses finished stages of another one (its
 * teacher, teacher logits, students) and changes the settings of the stages that follow. This is
 * how an ablation shares one expensive teacher between many students: the reused artefacts are
 * copied, their stages marked done in the new state.json (with where they came from), and every
 * later stage runs with the new config. Settings that the reused stages depend on may not change.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { PipelineConfig } from './config';
import { UsageError } from './flags';
import { withDefaults } from './resolve-config';
import { MODEL_DIRS, RunDir, type StageId } from './run-dir';
import { TEACHER_LOGITS_DIR } from './stages/cache-teacher';

/** What a reusable stage brings along: its folders, and the config fields it was made with. */
const REUSABLE: Record<string, { stage: StageId; dirs: string[]; fixes: string[] }> = {
  'train-teacher': {
    stage: 'train-teacher',
    dirs: [MODEL_DIRS.teacher],
    // Not `training`: a reused teacher is a given model, and the training settings of the new
    // run (seed, augmentation, schedule, batches) shape only the students that follow. The
    // teacher's own are recorded in state.json.
    fixes: ['data', 'folds', 'fold', 'teacher'],
  },
  'cache-teacher': {
    stage: 'cache-teacher',
    dirs: [TEACHER_LOGITS_DIR],
    fixes: ['data', 'folds', 'fold', 'teacher'],
  },
  'train-student-plain': {
    stage: 'train-student-plain',
    dirs: [MODEL_DIRS.studentPlain],
    fixes: ['data', 'folds', 'fold', 'student', 'training'],
  },
  'train-student-distilled': {
    stage: 'train-student-distilled',
    dirs: [MODEL_DIRS.studentDistilled],
    fixes: ['data', 'folds', 'fold', 'student', 'training', 'distill'],
  },
};

/** Stages `branch --reuse` accepts. */
export const REUSABLE_STAGES = Object.keys(REUSABLE);

/**
 * Creates `target` from the finished run `source` with `config` (the source's config with the
 * user's flags applied), copying the artefacts of `reuse`. Refuses an existing target, a stage
 * that is not done in the source, and a config change a reused stage depends on. The teacher's
 * stages do not depend on the training settings (seed, augmentation, schedule, batches): those of
 * the new run apply to its students, so students of several seeds, or trained without
 * augmentation, share one teacher. The teacher's own training settings (and seed) are recorded in
 * state.json's details.
 */
export function branchRun(
  source: string,
  target: string,
  config: PipelineConfig,
  reuse: readonly string[],
): void {
  const from = new RunDir(source);
  const stored = from.readConfig();
  if (!stored) throw new UsageError(`--from ${source} has no config.json`);
  const base = withDefaults(stored);
  if (existsSync(path.join(target, 'config.json')))
    throw new UsageError(`--out ${target} is a run directory already; branch into a new folder`);
  const state = from.readState();
  for (const name of reuse) {
    const spec = REUSABLE[name];
    if (!spec)
      throw new UsageError(
        `--reuse ${name} is invalid: expected some of ${REUSABLE_STAGES.join(', ')}`,
      );
    if (state.stages[spec.stage]?.status !== 'done')
      throw new UsageError(`--reuse ${name}: that stage is not done in ${source}`);
    for (const field of spec.fixes) {
      const [before, after] = [fieldOf(base, field), fieldOf(config, field)];
      if (JSON.stringify(before) !== JSON.stringify(after))
        throw new UsageError(
          `--reuse ${name}: the ${field} settings differ from ${source}'s (${JSON.stringify(before)} -> ${JSON.stringify(after)}), and that stage depends on them`,
        );
    }
  }
  const to = new RunDir(target);
  for (const name of reuse) {
    const spec = REUSABLE[name] as (typeof REUSABLE)[string];
    for (const dir of spec.dirs)
      cpSync(from.path(dir), to.path(dir), { recursive: true, errorOnExist: true });
    const record = state.stages[spec.stage];
    to.updateStage(spec.stage, () => ({
      ...(record as NonNullable<typeof record>),
      details: {
        ...record?.details,
        reusedFrom: from.root,
        seed: base.training.seed,
        ...(spec.stage === 'train-teacher' ? { training: base.training } : {}),
      },
    }));
  }
  to.writeConfig(config);
}

function fieldOf(config: PipelineConfig, field: string): unknown {
  return (config as unknown as Record<string, unknown>)[field];
}
