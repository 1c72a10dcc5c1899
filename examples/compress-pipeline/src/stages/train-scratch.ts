/**
 * The last column of the thesis's Table 4-5: the pruned architecture trained from scratch (fresh
 * He initialisation, same data and loss as the student) for as many epochs as the pruned model
 * got in total (the student's epochs plus the fine-tuning epochs), so the comparison is at equal
 * training budget. Not part of `run`: `compress-pipeline train-scratch --out RUN` after `prune`.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import { heNormal, layerSeed } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { StageContext } from '../context';
import { distilledLoss, hardLoss } from '../losses';
import { loadModel, saveModel } from '../models';
import { writeJsonAtomic } from '../run-dir';
import { trainModel } from '../train';
import { TEACHER_LOGITS_DIR } from './cache-teacher';
import { withTeacherLogits } from './train-student';

/** Trains pruned/'s architecture from scratch into pruned-scratch/. */
export async function trainScratch(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  const { train } = await context.data();
  const model = await loadModel(run.modelDir('pruned'), 'prune');
  reinitialise(model, config.training.seed);
  // The student's loss: distilled when the run has teacher logits, else cross-entropy only.
  const distill = existsSync(path.join(run.path(TEACHER_LOGITS_DIR), 'index.json'));
  const samples = distill ? await withTeacherLogits(context, train) : train;
  const epochs = config.student.epochs + config.prune.finetuneEpochs;
  log(
    `train-scratch: the pruned architecture (${model.countParams()} params), fresh He init, ${epochs} epochs, ${distill ? 'distilled' : 'cross-entropy only'}`,
  );
  const clock = { epochs: 0 };
  try {
    const result = await trainModel({
      label: 'pruned architecture from scratch',
      model,
      samples,
      targets: distill ? 'packed' : 'mask',
      loss: distill ? distilledLoss(config, () => clock.epochs) : hardLoss(config),
      clock,
      epochs,
      learningRate: config.student.learningRate,
      ...config.training,
      checkpointDir: run.path('checkpoints', 'train-scratch'),
      log,
    });
    await saveModel(model, run.modelDir('prunedScratch'));
    writeJsonAtomic(path.join(run.modelDir('prunedScratch'), 'history.json'), result.history);
    return { params: model.countParams(), epochs, distilled: distill };
  } finally {
    model.dispose();
  }
}

/**
 * Fresh weights for every kernel (He normal with the fan-in of its layer, seeded per layer and
 * weight like @crack/unet's createUnet) and zero biases. Only Conv2D and Conv2DTranspose layers
 * (what the pipeline's U-Nets and their pruned versions hold) may carry weights: any other
 * weighted layer (batch norm, separable, dense) would need its own rule and is refused.
 */
export function reinitialise(model: tfl.LayersModel, seed: number): void {
  // Check every layer first, so a refused model is left untouched.
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    if (layer.getWeights().length > 0 && kind !== 'Conv2D' && kind !== 'Conv2DTranspose')
      throw new Error(
        `reinitialise: layer '${layer.name}' is a ${kind}; only Conv2D and Conv2DTranspose weights can be re-drawn here`,
      );
  }
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const fresh = tf.tidy(() =>
      weights.map((weight, i) => {
        if (weight.rank === 1) return tf.zerosLike(weight);
        const [kh, kw, second, third] = weight.shape as number[];
        // Conv2D kernels are [kh, kw, in, out]; Conv2DTranspose kernels [kh, kw, out, in], whose
        // fan-in per output pixel of a 2x2 stride-2 up-convolution is `in`.
        const fanIn =
          layer.getClassName() === 'Conv2DTranspose'
            ? (third as number)
            : (kh as number) * (kw as number) * (second as number);
        const initializer = heNormal({ fanIn, seed: layerSeed(seed, layer.name, `w${i}`) });
        return initializer.apply(weight.shape, 'float32') as tf.Tensor;
      }),
    );
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}
