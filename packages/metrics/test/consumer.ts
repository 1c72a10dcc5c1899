// What a user of @crack/metrics writes. Type-checked only (by tsc here and by the consumer check
// under node16 ESM/CJS and bundler resolution), never run.
import {
  aggregateScores,
  aggregateSweeps,
  binarize,
  type DatasetScores,
  fromTensor,
  type Mask,
  type ProbabilityMap,
  type Scores,
  type SweepSummary,
  squaredDistanceTransform,
  sweepCountsAt,
  thresholdSweep,
  tolerantScores,
} from '@crack/metrics';
import { type ModelCost, modelCost } from '@crack/metrics/cost';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export function evaluate(pairs: Array<{ pred: Mask; truth: Mask }>): DatasetScores {
  const strict: Scores[] = pairs.map(({ pred, truth }) =>
    tolerantScores(pred, truth, { tolerance: 0 }),
  );
  const tolerant = pairs.map(({ pred, truth }) => tolerantScores(pred, truth));
  console.log(aggregateScores(strict).micro.f1);
  return aggregateScores(tolerant);
}

export function sweep(pairs: Array<{ probability: ProbabilityMap; truth: Mask }>): SweepSummary {
  const sweeps = pairs.map(({ probability, truth }) => thresholdSweep(probability, truth));
  const atHalf = aggregateScores(sweeps.map((s) => sweepCountsAt(s, { threshold: 0.5 })));
  console.log(atHalf.macro.f1);
  return aggregateSweeps(sweeps);
}

export function fromModelOutput(output: { shape: number[]; dataSync(): Float32Array }): Mask {
  const mask = binarize(fromTensor(output), { threshold: 0.5 });
  const distances: Float64Array = squaredDistanceTransform(mask, { maxDistance: 2 });
  console.log(distances.length);
  return mask;
}

export function cost(model: LayersModel): number {
  const result: ModelCost = modelCost(model, { height: 320, width: 480 });
  for (const layer of result.layers) console.log(layer.name, layer.kind, layer.macs);
  return result.total.macs;
}
