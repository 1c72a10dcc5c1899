/**
 * Quality and cost of one model on held-out images: strict and tolerant (default 2 px) Pr/Re/F1
 * with @crack/metrics, kernel weights / params / MACs with @crack/metrics/cost at the evaluation
 * size, and the median forward latency on the current backend.
 */
import type { Sample } from '@crack/data';
import {
  aggregateScores,
  aggregateSweeps,
  binarize,
  type DatasetScores,
  type MatchCounts,
  type SweepCounts,
  type SweepSummary,
  thresholdSweep,
  tolerantScores,
} from '@crack/metrics';
import { modelCost } from '@crack/metrics/cost';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { imageTensor } from './images';
import { predictLogits, sizeGranularity } from './models';

/** Options for {@link evaluateModel}. */
export interface EvaluateOptions {
  /** A pixel is crack when sigmoid(logit) >= threshold. */
  threshold: number;
  /** Tolerance of the tolerant scores, in pixels. */
  tolerance: number;
  /** Timed forward passes (after one warm-up) on the first image; the median is reported. */
  latencyRuns: number;
  /** Keep the predicted masks of the first `keepMasks` images (for overlays). */
  keepMasks: number;
}

/** Quality, cost and speed of one model. */
export interface ModelEvaluation {
  /** Micro (the headline) and macro scores, strict. */
  strict: DatasetScores;
  /** Micro and macro scores with the tolerance. */
  tolerant: DatasetScores;
  /** Per-image counts, strict and tolerant. */
  perImage: { id: string; strict: MatchCounts; tolerant: MatchCounts }[];
  /** Threshold sweeps (0.01..0.99): ODS, OIS and AP, strict and with the tolerance. */
  sweep: { strict: SweepSummary; tolerant: SweepSummary };
  /** Cost at the evaluation size (the first image's). */
  cost: {
    height: number;
    width: number;
    weights: number;
    params: number;
    macs: number;
    bytes: number;
  };
  /** Median forward time in ms of one image at the evaluation size, and every timed run. */
  latency: { medianMs: number; runsMs: number[] };
  /** Predicted 0/1 masks of the first `keepMasks` images. */
  masks: Uint8Array[];
}

/**
 * Predicts a 0/1 crack mask for one sample: normalise, zero-pad to a multiple of 2^poolings if
 * needed, run, crop back, threshold the sigmoid.
 */
export function predictMask(model: tfl.LayersModel, sample: Sample, threshold: number): Uint8Array {
  return binarize(
    { data: predictProbabilities(model, sample), width: sample.width, height: sample.height },
    { threshold },
  ).data as Uint8Array;
}

/** The crack probability of every pixel of one sample (row-major, the sample's size). */
export function predictProbabilities(model: tfl.LayersModel, sample: Sample): Float32Array {
  const granularity = sizeGranularity(model);
  const probabilities = tf.tidy(() => {
    const image = imageTensor(sample);
    const padHeight = (granularity - (sample.height % granularity)) % granularity;
    const padWidth = (granularity - (sample.width % granularity)) % granularity;
    const input =
      padHeight || padWidth
        ? tf.pad(image, [
            [0, 0],
            [0, padHeight],
            [0, padWidth],
            [0, 0],
          ])
        : image;
    const logits = predictLogits(model, input);
    const cropped =
      padHeight || padWidth
        ? tf.slice(logits, [0, 0, 0, 0], [1, sample.height, sample.width, 1])
        : logits;
    return tf.sigmoid(cropped);
  });
  const data = probabilities.dataSync() as Float32Array;
  probabilities.dispose();
  return data;
}

/** Evaluates `model` on `samples` (all of one size for the cost and latency figures). */
export async function evaluateModel(
  model: tfl.LayersModel,
  samples: readonly Sample[],
  options: EvaluateOptions,
): Promise<ModelEvaluation> {
  const perImage: ModelEvaluation['perImage'] = [];
  const masks: Uint8Array[] = [];
  const sweeps: { strict: SweepCounts[]; tolerant: SweepCounts[] } = { strict: [], tolerant: [] };
  for (const [index, sample] of samples.entries()) {
    const size = { width: sample.width, height: sample.height };
    const probability = { data: predictProbabilities(model, sample), ...size };
    const predicted = binarize(probability, { threshold: options.threshold }).data as Uint8Array;
    const pred = { data: predicted, ...size };
    const truth = { data: sample.mask, ...size };
    sweeps.strict.push(thresholdSweep(probability, truth, { tolerance: 0 }));
    sweeps.tolerant.push(thresholdSweep(probability, truth, { tolerance: options.tolerance }));
    perImage.push({
      id: sample.id,
      strict: counts(tolerantScores(pred, truth, { tolerance: 0 })),
      tolerant: counts(tolerantScores(pred, truth, { tolerance: options.tolerance })),
    });
    if (index < options.keepMasks) masks.push(predicted);
  }
  const first = samples[0] as Sample;
  const total = modelCost(model, { height: first.height, width: first.width }).total;
  return {
    strict: aggregateScores(perImage.map((image) => image.strict)),
    tolerant: aggregateScores(perImage.map((image) => image.tolerant)),
    perImage,
    sweep: { strict: aggregateSweeps(sweeps.strict), tolerant: aggregateSweeps(sweeps.tolerant) },
    cost: { height: first.height, width: first.width, ...total },
    latency: await measureLatency(model, first, options.latencyRuns),
    masks,
  };
}

function counts({ tpPred, pred, tpGt, gt }: MatchCounts): MatchCounts {
  return { tpPred, pred, tpGt, gt };
}

async function measureLatency(
  model: tfl.LayersModel,
  sample: Sample,
  runs: number,
): Promise<ModelEvaluation['latency']> {
  const granularity = sizeGranularity(model);
  const height = Math.ceil(sample.height / granularity) * granularity;
  const width = Math.ceil(sample.width / granularity) * granularity;
  const input = tf.zeros([1, height, width, 3]) as tf.Tensor4D;
  const once = async (): Promise<number> => {
    const began = performance.now();
    const output = predictLogits(model, input);
    await output.data();
    output.dispose();
    return performance.now() - began;
  };
  try {
    await once();
    const runsMs: number[] = [];
    for (let i = 0; i < runs; i++) runsMs.push(await once());
    const sorted = [...runsMs].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    const medianMs =
      sorted.length % 2
        ? (sorted[middle] as number)
        : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    return { medianMs, runsMs };
  } finally {
    input.dispose();
  }
}
