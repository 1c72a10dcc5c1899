/**
 * Quality of channel pruning (thesis Table 4-5): trains the thesis student, prunes its five
 * in-block maps at ratio 0.5 with each criterion, scores every model before and after a short
 * fine-tune, and trains the pruned architecture from scratch with the same total budget.
 * Prints one JSON line per model to stdout (progress goes to stderr).
 *
 *   pnpm --filter @crack/prune bench:quality                       # synthetic cracks, ~4 min
 *   pnpm --filter @crack/prune bench:quality --data ../../../shared/datasets/cfd --epochs 40
 *
 * Flags: --data DIR (images/ + masks/; THESIS_CFD_FOLDS fold 0 held out), --train 48 --test 8
 * (synthetic), --epochs 20 (student), --finetune 5, --crop 128, --prune-images 16,
 * --samples 40 (per image), --criteria lasso,l1,random, --seed 1,
 * --method defaults (the default: pruneModel's own defaults, validated ridge, 20 % held out,
 * samples sized to the unknowns; --samples ignored) or thesis (pinned: plain least squares,
 * ridge 1e-6, no held-out split, --samples per image), --sites in-block (the five *_conv1 maps, the thesis) or
 * all (every prunable channel group).
 */
import { parseArgs } from 'node:util';
import {
  foldSplit,
  type Sample,
  type SampleSource,
  syntheticCracks,
  THESIS_CFD_FOLDS,
  toTfDataset,
} from '@crack/data';
import { loadFolderDataset } from '@crack/data/node';
import { weightedSigmoidCrossEntropy } from '@crack/distill';
import { aggregateScores, tolerantScores } from '@crack/metrics';
import { modelCost } from '@crack/metrics/cost';
import { findPrunableSites, pruneModel } from '@crack/prune';
import { registerWasmTrainingKernels } from '@crack/wasm-kernels';
import '@tensorflow/tfjs-backend-wasm';
import { createUnet, heNormal, layerSeed, thesisStudent } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

const { values: flags } = parseArgs({
  options: {
    data: { type: 'string' },
    train: { type: 'string', default: '48' },
    test: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '20' },
    finetune: { type: 'string', default: '5' },
    crop: { type: 'string', default: '128' },
    'prune-images': { type: 'string', default: '16' },
    samples: { type: 'string', default: '40' },
    criteria: { type: 'string', default: 'lasso,l1,random' },
    seed: { type: 'string', default: '1' },
    method: { type: 'string', default: 'defaults' },
    sites: { type: 'string', default: 'in-block' },
  },
});
const epochs = Number(flags.epochs);
const finetuneEpochs = Number(flags.finetune);
const crop = Number(flags.crop);
const seed = Number(flags.seed);
const criteria = (flags.criteria as string).split(',') as ('lasso' | 'l1' | 'random')[];
const log = (line: string) => process.stderr.write(`${line}\n`);

// wasm with the training kernels (what @crack/runtime's initBackend picks without tfjs-node).
registerWasmTrainingKernels();
await tf.setBackend('wasm');
log(`backend ${tf.getBackend()}`);
const { train, test } = await loadData();
log(`${train.size} training images, ${test.length} held-out images`);

/** Adam on the thesis loss (eq 3-5, negative weight 0.7), batches of 4 random crops, augmented. */
async function fit(model: tfl.LayersModel, epochCount: number, learningRate: number) {
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: weightedSigmoidCrossEntropy({ negativeWeight: 0.7 }) });
  const dataset = await toTfDataset(train, {
    batchSize: 4,
    crop: { width: crop, height: crop },
    augment: true,
    shuffle: true,
    seed,
  });
  await model.fitDataset(dataset, { epochs: epochCount, verbose: 0 });
  optimizer.dispose();
}

/** Strict and 2 px tolerant micro Pr/Re/F1 on the held-out images (crack where logit >= 0). */
function score(model: tfl.LayersModel) {
  const strict = [];
  const tolerant = [];
  for (const sample of test) {
    const data = tf.tidy(() => {
      const logits = model.predict(imageTensor(sample)) as tf.Tensor;
      return tf.greaterEqual(logits, 0).dataSync() as Uint8Array;
    });
    const pred = { data, width: sample.width, height: sample.height };
    const truth = { data: sample.mask, width: sample.width, height: sample.height };
    strict.push(tolerantScores(pred, truth, { tolerance: 0 }));
    tolerant.push(tolerantScores(pred, truth, { tolerance: 2 }));
  }
  return { strict: aggregateScores(strict).micro, tolerant: aggregateScores(tolerant).micro };
}

function report(model: tfl.LayersModel, fields: Record<string, unknown>, began: number) {
  const { strict, tolerant } = score(model);
  const size = { height: test[0]?.height ?? 320, width: test[0]?.width ?? 480 };
  const { params, macs } = modelCost(model, size).total;
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const line = {
    ...fields,
    params,
    macs,
    precision: round(strict.precision),
    recall: round(strict.recall),
    f1: round(strict.f1),
    precision2: round(tolerant.precision),
    recall2: round(tolerant.recall),
    f1_2: round(tolerant.f1),
    seconds: Math.round((performance.now() - began) / 100) / 10,
  };
  console.log(JSON.stringify(line));
}

// 1. The student, trained with labels only.
let began = performance.now();
const student = createUnet({ ...thesisStudent, seed });
await fit(student, epochs, 1e-3);
const trainSeconds = (performance.now() - began) / 1000;
report(student, { model: 'student', criterion: null, finetuned: false }, began);

// 2. Pruned at ratio 0.5 on the five in-block maps (the *_conv1 producers), before and after fine-tuning.
const sites =
  flags.sites === 'all'
    ? undefined
    : findPrunableSites(student)
        .sites.map((site) => site.producer)
        .filter((name) => name.endsWith('_conv1'));
const method =
  flags.method === 'defaults'
    ? {}
    : { samplesPerImage: Number(flags.samples), ridge: 1e-6, holdout: 0 };
log(`method ${flags.method}, sites ${flags.sites}`);
const images: tf.Tensor4D[] = [];
for (let i = 0; i < Math.min(Number(flags['prune-images']), train.size); i++)
  images.push(centreCrop(await train.get(i), crop));
let pruned: tfl.LayersModel | null = null;
for (const criterion of criteria) {
  began = performance.now();
  const result = await pruneModel(student, {
    images,
    ratio: 0.5,
    criterion,
    ...(sites ? { sites } : {}),
    ...method,
    seed,
  });
  const held = (v: number | null) => (v === null ? '-' : v.toFixed(3));
  log(
    `${criterion}: ${result.report.sites.map((s) => `${s.producer} ${s.errorPruned.toFixed(3)}->${s.errorAfter.toFixed(3)} (held out ${held(s.heldOutErrorPruned)}->${held(s.heldOutErrorAfter)})`).join(', ')}`,
  );
  for (const warning of result.report.warnings) log(warning);
  report(result.model, { model: 'pruned', criterion, finetuned: false }, began);
  await fit(result.model, finetuneEpochs, 3e-4);
  report(result.model, { model: 'pruned', criterion, finetuned: true }, began);
  if (pruned) result.model.dispose();
  else pruned = result.model;
}
tf.dispose(images);

// 3. The pruned architecture trained from scratch for the same total budget (epochs + fine-tune).
if (pruned) {
  began = performance.now();
  const scratch = await freshCopy(pruned, seed + 1);
  await fit(scratch, epochs + finetuneEpochs, 1e-3);
  report(scratch, { model: 'scratch', criterion: null, finetuned: false }, began);
  log(`student trained in ${trainSeconds.toFixed(0)} s`);
}

/**
 * The pruned topology with createUnet's initialisation: every layer whose shape is unchanged
 * takes the weights of a freshly created student (new seed); the pruned convolutions, whose
 * widths createUnet cannot express, get He-normal kernels for their actual fan-in (kh·kw·cin,
 * as createUnet draws them) and zero biases. Rebuilding from the JSON alone would not do: the
 * serialised initialisers carry the original fan-in and seed.
 */
async function freshCopy(model: tfl.LayersModel, modelSeed: number): Promise<tfl.LayersModel> {
  const { models } = await import('@tensorflow/tfjs-layers');
  const copy = await models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as never);
  const fresh = createUnet({ ...thesisStudent, seed: modelSeed });
  for (const layer of copy.layers) {
    const current = layer.getWeights();
    if (current.length === 0) continue;
    const reference = fresh.getLayer(layer.name).getWeights();
    const same = current.every((w, i) => w.shape.join() === reference[i]?.shape.join());
    const values = same
      ? reference
      : current.map((w, i) => {
          if (i > 0) return tf.zerosLike(w);
          const [kh, kw, cin] = w.shape as number[];
          const init = heNormal({
            fanIn: (kh as number) * (kw as number) * (cin as number),
            seed: layerSeed(modelSeed, layer.name, 'kernel'),
          });
          return init.apply(w.shape) as tf.Tensor;
        });
    layer.setWeights(values);
    if (!same) tf.dispose(values);
  }
  fresh.dispose();
  return copy;
}

async function loadData(): Promise<{ train: SampleSource; test: Sample[] }> {
  if (flags.data) {
    const dataset = await loadFolderDataset(flags.data);
    const split = foldSplit(THESIS_CFD_FOLDS, 0);
    const known = new Set(dataset.ids);
    const test: Sample[] = [];
    for await (const sample of dataset.select(split.test.filter((id) => known.has(id))))
      test.push(sample);
    return { train: dataset.select(split.train.filter((id) => known.has(id))), test };
  }
  const trainCount = Number(flags.train);
  const samples = syntheticCracks({ count: trainCount + Number(flags.test), seed });
  return { train: sampleList(samples.slice(0, trainCount)), test: samples.slice(trainCount) };
}

function sampleList(samples: Sample[]): SampleSource {
  return {
    ids: samples.map((s) => s.id),
    size: samples.length,
    get: async (index) => samples[index] as Sample,
    async *[Symbol.asyncIterator]() {
      yield* samples;
    },
  };
}

/** One sample as a [1, h, w, 3] tensor in [-1, 1] (thesis eq 3-4). */
function imageTensor(sample: Sample): tf.Tensor4D {
  const values = Float32Array.from(sample.image.data, (v) => (v - 127.5) / 127.5);
  return tf.tensor4d(values, [1, sample.height, sample.width, 3]);
}

/** The centre `side` x `side` crop of a sample, normalised: features are sampled on these. */
function centreCrop(sample: Sample, side: number): tf.Tensor4D {
  return tf.tidy(() => {
    const top = Math.floor((sample.height - side) / 2);
    const left = Math.floor((sample.width - side) / 2);
    return tf.slice(imageTensor(sample), [0, top, left, 0], [1, side, side, 3]);
  });
}
