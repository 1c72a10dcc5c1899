/**
 * Stage 4b: fine-tune the pruned student with the same distillation loss as the student (eq 4-5),
 * at a lower learning rate. Skipped (recorded as such) with --finetune-epochs 0.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Sample } from '@crack/data';
import { cacheTeacherLogits } from '@crack/distill/cache';
import type { StageContext } from '../context';
import { distilledLoss, hardLoss } from '../losses';
import { loadModel, saveModel } from '../models';
import { writeJsonAtomic } from '../run-dir';
import { trainModel } from '../train';
import { parentModel } from './prune';
import { withTeacherLogits } from './train-student';

/** Folder of the unpruned parent's logits (fine-tuning with --finetune-teacher parent). */
export const PARENT_LOGITS_DIR = 'parent-logits';

/** Fine-tunes pruned/ into pruned-finetuned/. */
export async function finetunePruned(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  if (config.prune.finetuneEpochs === 0) {
    log('finetune: --finetune-epochs 0, skipped');
    return { skipped: true };
  }
  const { train } = await context.data();
  const teacher = config.prune.finetuneTeacher;
  const samples = teacher === 'none' ? train : await distillationTargets(context, train);
  log(`finetune: distilling from ${teacher === 'parent' ? 'the unpruned student' : teacher}`);
  const model = await loadModel(run.modelDir('pruned'), 'prune');
  const clock = { epochs: 0 };
  try {
    const result = await trainModel({
      label: 'fine-tune',
      model,
      samples,
      targets: teacher === 'none' ? 'mask' : 'packed',
      loss: teacher === 'none' ? hardLoss(config) : distilledLoss(config, () => clock.epochs),
      clock,
      epochs: config.prune.finetuneEpochs,
      learningRate: config.prune.finetuneLearningRate,
      ...config.training,
      checkpointDir: run.path('checkpoints', 'finetune'),
      onResume: (epoch) => run.markResumed('finetune', epoch),
      log,
    });
    await saveModel(model, run.modelDir('prunedFinetuned'));
    writeJsonAtomic(path.join(run.modelDir('prunedFinetuned'), 'history.json'), result.history);
    return { finalLoss: result.history.at(-1)?.loss, resumedFrom: result.resumedFrom };
  } finally {
    model.dispose();
  }
}

/**
 * The training samples with the logits to distil from: the cached teacher's, or (with
 * `--finetune-teacher parent`) the unpruned distilled student's, cached on first use in
 * parent-logits/ (float16, fingerprinted like the teacher's).
 */
async function distillationTargets(
  context: StageContext,
  train: readonly Sample[],
): Promise<Sample[]> {
  const { run, config } = context;
  if (config.prune.finetuneTeacher !== 'parent') return withTeacherLogits(context, train);
  if (!existsSync(path.join(run.path(PARENT_LOGITS_DIR), 'index.json'))) {
    const parent = await loadModel(run.modelDir(parentModel(config)), 'train-student');
    try {
      await cacheTeacherLogits(parent, train, {
        dir: run.path(PARENT_LOGITS_DIR),
        dtype: 'float16',
      });
    } finally {
      parent.dispose();
    }
  }
  return withTeacherLogits(context, train, {
    model: parentModel(config),
    dir: PARENT_LOGITS_DIR,
    madeBy: 'train-student',
  });
}
