/** Stage 2: run the trained teacher once over the training images and store its logits. */
import { cacheTeacherLogits } from '@crack/distill/cache';
import type { StageContext } from '../context';
import { loadModel } from '../models';
import { startProgress } from '../progress';

/** Folder of the teacher-logit cache inside a run directory. */
export const TEACHER_LOGITS_DIR = 'teacher-logits';

/**
 * Caches the teacher's logits for every training image (full size, float16) with
 * @crack/distill/cache; the cache records the teacher's fingerprint, so a student can never be
 * distilled from the logits of another teacher.
 */
export async function cacheTeacher(context: StageContext): Promise<Record<string, unknown>> {
  const { run, log } = context;
  const { train } = await context.data();
  const teacher = await loadModel(run.modelDir('teacher'), 'train-teacher');
  const progress = startProgress({
    label: 'teacher logits',
    total: train.length,
    unit: 'images',
    print: log,
  });
  try {
    const result = await cacheTeacherLogits(teacher, train, {
      dir: run.path(TEACHER_LOGITS_DIR),
      dtype: 'float16',
      onProgress: ({ done }) => progress.update(done),
    });
    return { images: result.count, dtype: result.dtype, fingerprint: result.fingerprint };
  } finally {
    progress.stop();
    teacher.dispose();
  }
}
