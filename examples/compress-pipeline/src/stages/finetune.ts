/**
 * Stage 4b: fine-tune the pruned student with the same distillation loss as the student (eq 4-5),
 * at a lower learning rate. Skipped (recorded as such) with --finetune-epochs 0.
 */
import path from 'node:path';
import type { StageContext } from '../context';
import { distilledLoss } from '../losses';
import { loadModel, saveModel } from '../models';
import { writeJsonAtomic } from '../run-dir';
import { trainModel } from '../train';
import { withTeacherLogits } from './train-student';

/** Fine-tunes pruned/ into pruned-finetuned/. */
export async function finetunePruned(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  if (config.prune.finetuneEpochs === 0) {
    log('finetune: --finetune-epochs 0, skipped');
    return { skipped: true };
  }
  const { train } = await context.data();
  const samples = await withTeacherLogits(context, train);
  const model = await loadModel(run.modelDir('pruned'), 'prune');
  try {
    const result = await trainModel({
      label: 'fine-tune',
      model,
      samples,
      targets: 'packed',
      loss: distilledLoss(config),
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
