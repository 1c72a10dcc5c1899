/** Stage 1: train the teacher U-Net on the labels (eq 3-5). */
import type { StageContext } from '../context';
import { hardLoss } from '../losses';
import { buildUnet, saveModel } from '../models';
import { writeJsonAtomic } from '../run-dir';
import { trainModel } from '../train';

/** Trains the teacher and saves it to teacher/ (model.json + weights.bin) with history.json. */
export async function trainTeacher(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  const { train } = await context.data();
  const model = buildUnet(config.teacher, config.training.seed, 'teacher');
  log(
    `teacher: U-Net depth ${config.teacher.depth}, ${config.teacher.baseFilters} base channels, ${model.countParams()} params`,
  );
  try {
    const result = await trainModel({
      label: 'teacher',
      model,
      samples: train,
      targets: 'mask',
      loss: hardLoss(config),
      epochs: config.teacher.epochs,
      learningRate: config.teacher.learningRate,
      ...config.training,
      checkpointDir: run.path('checkpoints', 'train-teacher'),
      onResume: (epoch) => run.markResumed('train-teacher', epoch),
      log,
    });
    await saveModel(model, run.modelDir('teacher'));
    writeJsonAtomic(run.path('teacher', 'history.json'), result.history);
    return {
      params: model.countParams(),
      finalLoss: result.history.at(-1)?.loss,
      resumedFrom: result.resumedFrom,
    };
  } finally {
    model.dispose();
  }
}
