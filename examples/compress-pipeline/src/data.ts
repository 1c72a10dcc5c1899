/**
 * The images of a run: built-in synthetic cracks, CrackForest (CFD) or a folder of images/ +
 * masks/, split into training and held-out images by fold (or, for synthetic data without
 * --folds, by a plain hold-out: the test images are generated after the training images).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  foldSplit,
  kFold,
  type Sample,
  type SampleSource,
  syntheticCracks,
  THESIS_CFD_FOLDS,
} from '@crack/data';
import { downloadCfd, loadFolderDataset } from '@crack/data/node';
import type { PipelineConfig } from './config';
import { UsageError } from './flags';

/** Training and held-out samples of one run (one fold). */
export interface DataSplit {
  train: Sample[];
  test: Sample[];
  /** One line for logs and the report, e.g. "CFD fold 0 of 6: 98 training, 20 test images". */
  description: string;
}

/** Seed offset of the synthetic data, so it does not move with the training seed. */
export const SYNTHETIC_DATA_SEED = 2024;

/**
 * Seed of the k-fold assignment of synthetic data and of folders without folds.json: fixed, so
 * students of several seeds (`reproduce --seeds`, `branch --seed`) test on the same fold as the
 * teacher they share.
 */
export const FOLD_SEED = 0;

/**
 * Loads the samples of a run. `config.fold` must be a fold index (or null for a hold-out split of
 * synthetic data); 'all' is resolved by the `run` command into one run per fold.
 */
export async function loadData(
  config: PipelineConfig,
  log: (line: string) => void,
): Promise<DataSplit> {
  const split = await loadSplit(config, log);
  if (!config.data.trainOnAll) return split;
  return {
    train: [...split.train, ...split.test],
    test: split.test,
    description: `${split.description}; --train-on-all: training on all ${split.train.length + split.test.length} images, so the evaluation is IN-SAMPLE`,
  };
}

async function loadSplit(config: PipelineConfig, log: (line: string) => void): Promise<DataSplit> {
  if (config.fold === 'all')
    throw new Error("loadData: fold 'all' must be split into one run per fold first");
  const { data } = config;
  if (data.source === 'synthetic') return syntheticSplit(config);

  const dir = data.dir as string;
  if (data.source === 'cfd' && !existsSync(path.join(dir, 'images'))) {
    log(
      `CFD not found at ${dir}; downloading it there with @crack/data downloadCfd (non-commercial research licence)`,
    );
    await downloadCfd(dir);
  }
  const dataset = await loadFolderDataset(dir);
  const ids = [...dataset.ids];
  const folds = foldsOf(config, ids, dataset.folds);
  const fold = config.fold as number;
  if (fold >= folds.length)
    throw new UsageError(
      `--fold ${fold} is out of range: ${data.source === 'cfd' ? 'CFD' : dir} has ${folds.length} folds (0..${folds.length - 1})`,
    );
  const split = foldSplit(folds, fold);
  const [train, test] = await Promise.all([
    materialise(dataset.select(split.train)),
    materialise(dataset.select(split.test)),
  ]);
  const name = data.source === 'cfd' ? 'CFD' : dir;
  return {
    train,
    test,
    description: `${name} fold ${fold} of ${folds.length}: ${train.length} training, ${test.length} test images`,
  };
}

function foldsOf(
  config: PipelineConfig,
  ids: string[],
  fromFile: string[][] | undefined,
): string[][] {
  const k = config.folds ?? 5;
  const thesisFolds = config.data.source === 'cfd' && k === 6 && ids.length === 118;
  if (thesisFolds) return THESIS_CFD_FOLDS.map((fold) => [...fold]);
  if (fromFile && fromFile.length === k) return fromFile;
  if (k > ids.length)
    throw new UsageError(`--folds ${k} is out of range: the data has only ${ids.length} images`);
  return kFold(ids, k, { seed: FOLD_SEED });
}

function syntheticSplit(config: PipelineConfig): DataSplit {
  const { trainImages, testImages, width, height } = config.data;
  const samples = syntheticCracks({
    count: trainImages + testImages,
    width,
    height,
    seed: SYNTHETIC_DATA_SEED,
  });
  if (config.folds === null) {
    return {
      train: samples.slice(0, trainImages),
      test: samples.slice(trainImages),
      description: `synthetic ${width}x${height}: ${trainImages} training, ${testImages} held-out images (seed ${SYNTHETIC_DATA_SEED})`,
    };
  }
  const folds = kFold(
    samples.map((sample) => sample.id),
    config.folds,
    { seed: FOLD_SEED },
  );
  const fold = config.fold as number;
  const split = foldSplit(folds, fold);
  const train = samples.filter((sample) => split.train.includes(sample.id));
  const test = samples.filter((sample) => split.test.includes(sample.id));
  return {
    train,
    test,
    description: `synthetic ${width}x${height} fold ${fold} of ${config.folds}: ${train.length} training, ${test.length} test images`,
  };
}

async function materialise(source: SampleSource): Promise<Sample[]> {
  const samples: Sample[] = [];
  for await (const sample of source) samples.push(sample);
  return samples;
}
