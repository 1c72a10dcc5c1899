/**
 * Stage 3: train a same-topology student, with distillation (eq 4-5: cross-entropy + the sigmoid
 * distillation hinge on the cached teacher logits) or without (the control). Both students start
 * from the same initial weights and see the same batches, crops and augmentations.
 */
import path from 'node:path';
import type { Sample } from '@crack/data';
import { openTeacherLogits } from '@crack/distill/cache';
import type { StageContext } from '../context';
import { distilledLoss, hardLoss } from '../losses';
import { buildUnet, loadModel, saveModel } from '../models';
import { type ModelId, writeJsonAtomic } from '../run-dir';
import { trainModel } from '../train';
import { TEACHER_LOGITS_DIR } from './cache-teacher';

/** Trains the distilled student (student-distilled/) or, with `distill: false`, the control (student-plain/). */
export async function trainStudent(
  context: StageContext,
  distill: boolean,
): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  const { train } = await context.data();
  const id: ModelId = distill ? 'studentDistilled' : 'studentPlain';
  const stage = distill ? 'train-student-distilled' : 'train-student-plain';
  const samples = distill ? await withTeacherLogits(context, train) : train;
  const model = buildUnet(
    config.student,
    config.training.seed,
    distill ? 'student_distilled' : 'student_plain',
  );
  log(
    `${stage}: U-Net depth ${config.student.depth}, ${config.student.baseFilters} base channels, ${model.countParams()} params${distill ? ', distilled' : ', no distillation'}`,
  );
  const clock = { epochs: 0 };
  try {
    const result = await trainModel({
      label: distill ? 'student (distilled)' : 'student (plain)',
      model,
      samples,
      targets: distill ? 'packed' : 'mask',
      loss: distill ? distilledLoss(config, () => clock.epochs) : hardLoss(config),
      clock,
      epochs: config.student.epochs,
      learningRate: config.student.learningRate,
      ...config.training,
      checkpointDir: run.path('checkpoints', stage),
      onResume: (epoch) => run.markResumed(stage, epoch),
      log,
    });
    await saveModel(model, run.modelDir(id));
    writeJsonAtomic(path.join(run.modelDir(id), 'history.json'), result.history);
    return {
      params: model.countParams(),
      finalLoss: result.history.at(-1)?.loss,
      resumedFrom: result.resumedFrom,
    };
  } finally {
    model.dispose();
  }
}

/**
 * The samples with the cached teacher logits as their per-pixel side channel, so crops, flips and
 * rotations move the logits exactly like the mask. Refuses a cache made by another teacher.
 */
export async function withTeacherLogits(
  context: StageContext,
  samples: readonly Sample[],
  source: { model: ModelId; dir: string; madeBy: string } = {
    model: 'teacher',
    dir: TEACHER_LOGITS_DIR,
    madeBy: 'cache-teacher',
  },
): Promise<Sample[]> {
  const { run } = context;
  const teacher = await loadModel(run.modelDir(source.model), source.madeBy);
  try {
    const logits = await openTeacherLogits(run.path(source.dir), { teacher });
    return samples.map((sample) => {
      if (!logits.has(sample.id))
        throw new Error(
          `teacher logits for ${sample.id} are missing in ${run.path(source.dir)}: rerun ${source.madeBy} --force`,
        );
      const [height, width] = logits.shape(sample.id);
      if (height !== sample.height || width !== sample.width)
        throw new Error(
          `teacher logits of ${sample.id} are ${width}x${height}, the image ${sample.width}x${sample.height}`,
        );
      return { ...sample, side: logits.get(sample.id) };
    });
  } finally {
    teacher.dispose();
  }
}
