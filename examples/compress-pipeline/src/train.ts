/**
 * The training loop every stage shares: `model.fitDataset` one epoch at a time over a
 * `@crack/data` pipeline, with a checkpoint after every epoch and resumption from the last one.
 *
 * What a checkpoint restores, exactly: the model weights, the Adam state (iteration count and both
 * moment estimates, via `optimizer.getWeights()` / `setWeights()`), and the epoch number. The data
 * order, crops and augmentation of epoch e are drawn from `mixSeed(seed, e)` alone, so a resumed
 * run sees exactly the batches an uninterrupted run would. Not restored: the partial epoch that was
 * running when the process died (it restarts from its first batch) and nothing else is needed
 * (the U-Nets here have no dropout or batch-norm statistics outside the weights).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { mixSeed, type Sample, toTfDataset } from '@crack/data';
import type { LossFunction } from '@crack/distill';
import { fusedAdam } from '@crack/runtime';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LearningRateSchedule } from './config';
import { loadModel, saveModel } from './models';
import { restoreOptimizerState, saveOptimizerState } from './optimizer-state';
import { startProgress } from './progress';
import { readJson, writeJsonAtomic } from './run-dir';

/** One finished epoch. */
export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  seconds: number;
}

/** Options for {@link trainModel}. */
export interface TrainOptions {
  /** Name for progress and logs, e.g. 'teacher'. */
  label: string;
  /** The model to train; with a checkpoint present its weights are replaced by the checkpoint's. */
  model: tfl.LayersModel;
  samples: readonly Sample[];
  /** 'mask' trains on labels; 'packed' on [label, teacher logit] (samples need `side`). */
  targets: 'mask' | 'packed';
  loss: LossFunction;
  epochs: number;
  learningRate: number;
  /** How the rate moves over the steps of all `epochs` (see {@link learningRateAt}). */
  schedule: LearningRateSchedule;
  batchSize: number;
  /** Square crop side, 0 for whole images. */
  crop: number;
  augment: boolean;
  seed: number;
  /** Folder of the per-epoch checkpoints (epoch-<n>/). */
  checkpointDir: string;
  /** Called with the epoch a run resumes from (> 0). */
  onResume?: (epoch: number) => void;
  /**
   * Set before every step to the training progress in epochs (global step / steps per epoch),
   * for losses that follow a schedule (a distillation warm-up).
   */
  clock?: { epochs: number };
  log: (line: string) => void;
}

/** What {@link trainModel} did. */
export interface TrainResult {
  history: EpochRecord[];
  /** Epoch the run resumed from, or null when it started from scratch. */
  resumedFrom: number | null;
}

/**
 * Trains `model` in place for `epochs` epochs with Adam, checkpointing after every epoch, and
 * resuming from the newest complete checkpoint in `checkpointDir` if there is one.
 */
export async function trainModel(options: TrainOptions): Promise<TrainResult> {
  const { model, samples, epochs, batchSize, checkpointDir, label, log } = options;
  // tfjs's Adam with each variable's step as one kernel on wasm (bit-identical results, the same
  // state, so checkpoints written with tf.train.adam resume unchanged).
  const optimizer = fusedAdam(options.learningRate);
  model.compile({ optimizer, loss: options.loss });
  let history: EpochRecord[] = [];
  let start = 0;
  const latest = latestCheckpoint(checkpointDir);
  if (latest) {
    history = await restoreCheckpoint(latest.dir, model, optimizer);
    start = latest.epoch;
    log(`${label}: resuming from the checkpoint after epoch ${start} (${latest.dir})`);
    options.onResume?.(start);
  }

  const stepsPerEpoch = Math.ceil(samples.length / batchSize);
  const progress = startProgress({
    label,
    total: epochs * stepsPerEpoch,
    unit: 'steps',
    print: log,
    initial: start * stepsPerEpoch,
  });
  progress.update(start * stepsPerEpoch);
  try {
    for (let epoch = start; epoch < epochs; epoch++) {
      const began = performance.now();
      const dataset = await toTfDataset(samples as Sample[], {
        batchSize,
        ...(options.crop > 0 ? { crop: { width: options.crop, height: options.crop } } : {}),
        augment: options.augment,
        shuffle: true,
        seed: mixSeed(options.seed, epoch),
        targets: options.targets,
      });
      let lossSum = 0;
      let batches = 0;
      await model.fitDataset(dataset, {
        epochs: 1,
        verbose: 0,
        callbacks: {
          onBatchBegin: async (batch) => {
            if (options.clock) options.clock.epochs = epoch + batch / stepsPerEpoch;
            // The rate depends on the global step only, so a resumed run follows the same curve.
            setLearningRate(
              optimizer,
              learningRateAt(
                options.schedule,
                options.learningRate,
                epoch * stepsPerEpoch + batch,
                epochs * stepsPerEpoch,
              ),
            );
          },
          onBatchEnd: async (_batch, logs) => {
            lossSum += logs?.loss ?? Number.NaN;
            batches++;
            progress.update(
              epoch * stepsPerEpoch + batches,
              `epoch ${epoch + 1}/${epochs} loss ${(lossSum / batches).toFixed(4)}`,
            );
          },
        },
      });
      const record = {
        epoch: epoch + 1,
        loss: lossSum / Math.max(batches, 1),
        seconds: (performance.now() - began) / 1000,
      };
      if (!Number.isFinite(record.loss))
        throw new Error(
          `${label}: loss is ${record.loss} in epoch ${epoch + 1}; lower the learning rate`,
        );
      history.push(record);
      await saveCheckpoint(checkpointDir, epoch + 1, model, optimizer, history);
    }
  } finally {
    progress.stop();
    optimizer.dispose();
  }
  return { history, resumedFrom: latest ? latest.epoch : null };
}

/** The cosine schedule ends at this fraction of the initial rate rather than at 0. */
export const COSINE_FLOOR = 0.02;

/**
 * The learning rate of step `step` (0-based) of `total`: `base` for 'constant'; for 'cosine',
 * `base * (f + (1 - f) * (1 + cos(pi * step / (total - 1))) / 2)` with f = {@link COSINE_FLOOR},
 * from `base` at the first step down to `f * base` at the last (SGDR without restarts).
 */
export function learningRateAt(
  schedule: LearningRateSchedule,
  base: number,
  step: number,
  total: number,
): number {
  if (schedule === 'constant' || total <= 1) return base;
  const progress = Math.min(Math.max(step / (total - 1), 0), 1);
  return base * (COSINE_FLOOR + ((1 - COSINE_FLOOR) * (1 + Math.cos(Math.PI * progress))) / 2);
}

// Adam (tfjs's, and fusedAdam) reads its protected learningRate field at every step; there is no
// public setter.
function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/** The newest complete checkpoint (a folder renamed into place only once fully written). */
export function latestCheckpoint(checkpointDir: string): { epoch: number; dir: string } | null {
  if (!existsSync(checkpointDir)) return null;
  const epochs = readdirSync(checkpointDir)
    .map((name) => /^epoch-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]));
  if (epochs.length === 0) return null;
  const epoch = Math.max(...epochs);
  return { epoch, dir: path.join(checkpointDir, `epoch-${epoch}`) };
}

async function saveCheckpoint(
  checkpointDir: string,
  epoch: number,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  history: EpochRecord[],
): Promise<void> {
  const final = path.join(checkpointDir, `epoch-${epoch}`);
  const temporary = `${final}.tmp-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(temporary, { recursive: true });
  await saveModel(model, temporary);
  await saveOptimizerState(optimizer, temporary);
  writeJsonAtomic(path.join(temporary, 'progress.json'), { epoch, history });
  rmSync(final, { recursive: true, force: true });
  renameSync(temporary, final);
  for (const name of readdirSync(checkpointDir))
    if (name !== `epoch-${epoch}`)
      rmSync(path.join(checkpointDir, name), { recursive: true, force: true });
}

async function restoreCheckpoint(
  dir: string,
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
): Promise<EpochRecord[]> {
  const saved = await loadModel(dir, 'training');
  model.setWeights(saved.getWeights());
  saved.dispose();
  await restoreOptimizerState(optimizer, dir);
  const progress = readJson<{ history: EpochRecord[] }>(path.join(dir, 'progress.json'));
  return progress?.history ?? [];
}
