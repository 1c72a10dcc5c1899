/**
 * The thesis's Table 4-4 at CPU scale: a teacher U-Net is trained first, then one small student
 * twice, with identical initial weights, crops, augmentation and batch order: without and with
 * sigmoid distillation (eq 4-4, 4-5) on the teacher's logits. Prints one JSON line per model
 * (strict and 2 px Pr/Re/F1 on held-out images) and a summary line with the F1 delta.
 * `--diagnose` adds the teacher's logit distribution and, per student epoch, the size of each loss
 * term and of its pull on the logits (see the README's Benchmarks section).
 * Run: pnpm --filter @crack/distill bench [-- --data cfd|DIR --epochs 20 --distill-weight 0.1 ...]
 * (synthetic cracks by default; `--data cfd` reads CRACK_DATA_DIR, else ../shared/datasets/cfd).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  foldSplit,
  kFold,
  type Sample,
  syntheticCracks,
  THESIS_CFD_FOLDS,
  toTfDataset,
} from '@crack/data';
import { loadFolderDataset } from '@crack/data/node';
import {
  distillationLoss,
  type LossFunction,
  packTargets,
  sigmoidDistillation,
  weightedSigmoidCrossEntropy,
} from '@crack/distill';
import { aggregateScores, type MatchCounts, tolerantScores } from '@crack/metrics';
import { registerWasmTrainingKernels } from '@crack/wasm-kernels';
import '@tensorflow/tfjs-backend-wasm';
import { createUnet } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

const { values: flags } = parseArgs({
  // `pnpm bench -- --flag` passes the `--` on.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    data: { type: 'string' },
    'teacher-depth': { type: 'string', default: '3' },
    'teacher-filters': { type: 'string', default: '16' },
    'teacher-epochs': { type: 'string' },
    'student-depth': { type: 'string', default: '2' },
    'student-filters': { type: 'string', default: '8' },
    epochs: { type: 'string', default: '20' },
    crop: { type: 'string', default: '128' },
    'batch-size': { type: 'string', default: '4' },
    'distill-weight': { type: 'string', default: '1' },
    alpha: { type: 'string', default: '0' },
    beta: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    images: { type: 'string' },
    'test-images': { type: 'string', default: '8' },
    diagnose: { type: 'boolean', default: false },
  },
});
const number = (name: keyof typeof flags): number => {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a number >= 0, got ${flags[name]}`);
  return value;
};
const settings = {
  epochs: number('epochs'),
  teacherEpochs:
    flags['teacher-epochs'] === undefined ? number('epochs') : number('teacher-epochs'),
  crop: number('crop'),
  batchSize: number('batch-size'),
  seed: number('seed'),
  distillWeight: number('distill-weight'),
  alpha: number('alpha'),
  beta: number('beta'),
};
const hard = weightedSigmoidCrossEntropy(); // eq 3-5, background weight 0.7
const soft = sigmoidDistillation({ alpha: settings.alpha, beta: settings.beta }); // eq 4-4

/** Held-out images: fold 0 of the thesis's CFD folds (else of folds.json or a seeded 6-fold split). */
async function loadSplit(): Promise<{ train: Sample[]; test: Sample[]; description: string }> {
  const images = flags.images === undefined ? undefined : number('images');
  // 'cfd': CRACK_DATA_DIR, else ../shared/datasets/cfd beside the repository (as compress-pipeline).
  const cfd =
    process.env.CRACK_DATA_DIR ??
    fileURLToPath(new URL('../../../../shared/datasets/cfd', import.meta.url));
  const dir = flags.data === 'cfd' ? cfd : flags.data;
  if (!dir) {
    const all = syntheticCracks({ count: (images ?? 48) + number('test-images'), seed: 2024 });
    const train = all.slice(0, images ?? 48);
    return { train, test: all.slice(train.length), description: 'synthetic 480x320, seed 2024' };
  }
  if (!existsSync(path.join(dir, 'images'))) throw new Error(`--data ${dir} has no images/ folder`);
  const dataset = await loadFolderDataset(dir);
  const isCfd =
    dataset.ids.length === 118 && THESIS_CFD_FOLDS.flat().every((id) => dataset.ids.includes(id));
  const folds = isCfd
    ? THESIS_CFD_FOLDS
    : (dataset.folds ?? kFold([...dataset.ids], 6, { seed: 1 }));
  const split = foldSplit(folds, 0);
  const collect = async (ids: string[]) => {
    const samples: Sample[] = [];
    for await (const sample of dataset.select(ids)) samples.push(sample);
    return samples;
  };
  const description = `${isCfd ? 'CFD' : dir} fold 0 of ${folds.length} held out`;
  return {
    train: await collect(split.train.slice(0, images)),
    test: await collect(split.test),
    description,
  };
}

/** Adam 1e-3 with `model.fitDataset` (packed targets need it); returns steps and seconds. */
async function train(
  model: tfl.LayersModel,
  samples: Sample[],
  loss: LossFunction,
  epochs: number,
  onEpochEnd?: (epoch: number) => Promise<void>,
): Promise<{ steps: number; seconds: number }> {
  model.compile({ optimizer: tf.train.adam(1e-3), loss });
  const dataset = await toTfDataset(samples, {
    batchSize: settings.batchSize,
    ...(settings.crop > 0 ? { crop: { width: settings.crop, height: settings.crop } } : {}),
    augment: true,
    shuffle: true,
    seed: settings.seed,
    targets: samples[0]?.side ? 'packed' : 'mask',
  });
  let steps = 0;
  const began = performance.now();
  await model.fitDataset(dataset, {
    epochs,
    verbose: 0,
    callbacks: {
      onBatchEnd: async () => void steps++,
      onEpochEnd: async (epoch) => onEpochEnd?.(epoch + 1),
    },
  });
  return { steps, seconds: (performance.now() - began) / 1000 };
}

/** Logits of one whole image, normalised with (x - 127.5) / 127.5 as in training. */
function logits(model: tfl.LayersModel, sample: Sample): tf.Tensor4D {
  return tf.tidy(() => {
    const image = tf.tensor4d(sample.image.data, [1, sample.height, sample.width, 3], 'float32');
    return model.predict(tf.div(tf.sub(image, 127.5), 127.5)) as tf.Tensor4D;
  });
}

/** Micro-averaged strict and 2 px scores at sigmoid >= 0.5 (logit >= 0). */
async function evaluate(model: tfl.LayersModel, samples: Sample[]) {
  const strict: MatchCounts[] = [];
  const tolerant: MatchCounts[] = [];
  for (const sample of samples) {
    const output = logits(model, sample);
    const values = await output.data();
    output.dispose();
    const pred = {
      data: Uint8Array.from(values, (z) => (z >= 0 ? 1 : 0)),
      width: sample.width,
      height: sample.height,
    };
    const truth = { data: sample.mask, width: sample.width, height: sample.height };
    strict.push(tolerantScores(pred, truth, { tolerance: 0 }));
    tolerant.push(tolerantScores(pred, truth, { tolerance: 2 }));
  }
  const s = aggregateScores(strict).micro;
  const t = aggregateScores(tolerant).micro;
  return {
    precision: round(s.precision),
    recall: round(s.recall),
    f1: round(s.f1),
    precision2: round(t.precision),
    recall2: round(t.recall),
    f1_2: round(t.f1),
  };
}

/** The teacher's logits as each sample's side channel; toTfDataset crops and flips them with the mask. */
async function withTeacherLogits(teacher: tfl.LayersModel, samples: Sample[]): Promise<Sample[]> {
  return Promise.all(
    samples.map(async (sample) => {
      const output = logits(teacher, sample);
      const side = (await output.data()) as Float32Array;
      output.dispose();
      return { ...sample, side };
    }),
  );
}

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));
function percentiles(values: number[]): Record<string, number> {
  values.sort((a, b) => a - b);
  const at = (q: number) =>
    round(values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN, 2);
  return { p1: at(0.01), p10: at(0.1), median: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/**
 * On (up to 8) whole training images: each loss term, the share of background pixels where the
 * eq 4-4 hinge is active (student logit above the teacher's), and each term's gradient summed over
 * the background and over the crack pixels: the "pull" of each group on the logits, which is its
 * part of the gradient on the head's bias (positive pushes logits down, towards background).
 */
async function diagnose(model: tfl.LayersModel, samples: Sample[]) {
  const sums = {
    hard: 0,
    soft: 0,
    active: 0,
    background: 0,
    hardOnBackground: 0,
    softOnBackground: 0,
    hardOnCrack: 0,
    softOnCrack: 0,
  };
  for (const sample of samples.slice(0, 8)) {
    const q = logits(model, sample);
    const shape: [number, number, number, number] = [1, sample.height, sample.width, 1];
    const targets = tf.tidy(() =>
      packTargets(
        tf.tensor4d(sample.mask, shape, 'float32'),
        tf.tensor4d(sample.side as Float32Array, shape),
      ),
    );
    const n = sample.width * sample.height;
    const [hardLoss, softLoss, hardGrad, softGrad] = tf.tidy(() => [
      hard(targets, q),
      soft(targets, q),
      tf.mul(tf.grad((x: tf.Tensor) => hard(targets, x))(q), n),
      tf.mul(tf.grad((x: tf.Tensor) => soft(targets, x))(q), n),
    ]);
    const [qs, hg, sg] = await Promise.all([q.data(), hardGrad!.data(), softGrad!.data()]);
    sums.hard += (await hardLoss!.data())[0]!;
    sums.soft += (await softLoss!.data())[0]!;
    for (let i = 0; i < n; i++) {
      if (sample.mask[i]) {
        sums.hardOnCrack += hg[i]!;
        sums.softOnCrack += sg[i]!;
        continue;
      }
      sums.background++;
      if (qs[i]! > (sample.side as Float32Array)[i]!) sums.active++;
      sums.hardOnBackground += hg[i]!;
      sums.softOnBackground += sg[i]!;
    }
    tf.dispose([q, targets, hardLoss!, softLoss!, hardGrad!, softGrad!]);
  }
  const images = Math.min(samples.length, 8);
  const pixels = images * samples[0]!.width * samples[0]!.height;
  return {
    hardLoss: round(sums.hard / images),
    softLoss: round((sums.soft / images) * settings.distillWeight),
    hingeActive: round(sums.active / sums.background),
    pullBackground: {
      hard: round(sums.hardOnBackground / pixels),
      soft: round((sums.softOnBackground / pixels) * settings.distillWeight),
    },
    pullCrack: {
      hard: round(sums.hardOnCrack / pixels),
      soft: round((sums.softOnCrack / pixels) * settings.distillWeight),
    },
  };
}

async function main(): Promise<void> {
  // wasm with the training kernels (what @crack/runtime's initBackend picks without tfjs-node).
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  console.error(`backend ${tf.getBackend()}`);
  const { train: trainSamples, test, description } = await loadSplit();
  console.error(`${description}: ${trainSamples.length} training, ${test.length} held-out images`);
  // Same seed, so both students start from the same weights and see the same batches.
  const run = async (model: string, samples: Sample[], loss: LossFunction) => {
    const kind = model === 'teacher' ? 'teacher' : 'student';
    const epochs = kind === 'teacher' ? settings.teacherEpochs : settings.epochs;
    const unet = createUnet({
      depth: number(`${kind}-depth`),
      baseFilters: number(`${kind}-filters`),
      inputSize: null,
      seed: settings.seed,
      name: kind,
    });
    const trace = async (epoch: number) => {
      if (flags.diagnose && kind === 'student')
        console.log(
          JSON.stringify({
            diagnostic: 'loss-terms',
            model,
            epoch,
            ...(await diagnose(unet, distillSamples)),
          }),
        );
    };
    if (model === 'student') await trace(0);
    const { steps, seconds } = await train(unet, samples, loss, epochs, trace);
    const params = unet.countParams();
    const line = {
      model,
      params,
      epochs,
      steps,
      seconds: round(seconds, 1),
      ...(await evaluate(unet, test)),
    };
    console.log(JSON.stringify(line));
    return { unet, line };
  };

  const teacher = await run('teacher', trainSamples, hard);
  const distillSamples = await withTeacherLogits(teacher.unet, trainSamples);
  if (flags.diagnose) {
    const logitsWhere = (crack: boolean) =>
      distillSamples.flatMap((s) => Array.from(s.side!).filter((_, i) => !!s.mask[i] === crack));
    const [background, crack] = [percentiles(logitsWhere(false)), percentiles(logitsWhere(true))];
    console.log(JSON.stringify({ diagnostic: 'teacher-logits', background, crack }));
  }
  const control = (await run('student', trainSamples, hard)).line;
  const loss = distillationLoss({ hard, soft, softWeight: settings.distillWeight }); // eq 4-5
  const distilled = (await run('student-distilled', distillSamples, loss)).line;
  const deltaF1 = round(distilled.f1 - control.f1);
  const deltaF1_2 = round(distilled.f1_2 - control.f1_2);
  console.log(
    JSON.stringify({
      summary: 'table-4-4',
      data: description,
      ...settings,
      f1: [control.f1, distilled.f1],
      deltaF1,
      deltaF1_2,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
