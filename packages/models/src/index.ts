/**
 * The catalog of bundled models: one entry per folder under the package's `models/`, each a
 * tfjs-layers model (model.json + weights.bin) with a model card (README.md beside it). The data
 * lives in models/index.json, which scripts/import-model.ts writes; this module only types it.
 */
import catalog from '../models/index.json';

/** Scores at threshold 0.5, micro-averaged: strict and with the thesis's 2-pixel tolerance. */
export interface ModelScores {
  /** Strict precision: predicted crack pixels that are ground-truth crack. */
  precision: number;
  /** Strict recall: ground-truth crack pixels that are predicted. */
  recall: number;
  /** Strict F1, the harmonic mean of the two. */
  f1: number;
  /** Precision with the 2-pixel tolerance. */
  precisionTolerant: number;
  /** Recall with the 2-pixel tolerance. */
  recallTolerant: number;
  /** F1 with the 2-pixel tolerance. */
  f1Tolerant: number;
}

/** Held-out scores with what they cover. */
export interface CrossValidatedScores extends ModelScores {
  /** Cross-validation folds averaged. */
  folds: number;
  /** Training seeds averaged per fold. */
  seeds: number;
}

/** One bundled model. */
export interface ModelInfo {
  /** Folder under the package's models/ (and the id {@link findModel} takes). */
  id: string;
  /** What a model picker shows. */
  label: string;
  /** 'default': what @crack/runtime, crack-segment and the web app load when given no model. */
  role: 'default' | 'uncompressed' | 'teacher';
  /** Architecture in one line. */
  architecture: string;
  /** Parameters (weights and biases). */
  params: number;
  /** Multiply-adds for one 480x320 photo (eq 4-2). */
  macs: number;
  /** Bytes of weights.bin. */
  bytes: number;
  /** SHA-256 of weights.bin (hex). */
  sha256: string;
  /** Input sides must be multiples of this (2^poolings). */
  sizeDivisibleBy: number;
  /** What it was trained on. */
  data: string;
  /** Licence of the weights (not of this package's code). */
  licence: string;
  /** How it was trained, in a sentence; the card has the details. */
  recipe: string;
  /**
   * Held-out quality: the mean over cross-validation folds of the same recipe (the honest
   * estimate), with the folds and seeds it covers; null where not measured.
   */
  crossValidated: CrossValidatedScores | null;
  /** On the training images themselves (all of them were trained on: optimistic). */
  inSample: ModelScores | null;
}

/** Every bundled model, the default first. */
export const MODELS: readonly ModelInfo[] = Object.freeze(catalog.models as ModelInfo[]);

/** The id of the model the runtime, the CLI and the web app use by default. */
export const DEFAULT_MODEL_ID: string = (
  MODELS.find((model) => model.role === 'default') ?? (MODELS[0] as ModelInfo)
).id;

/**
 * The catalog entry of `id` (default: the default model).
 *
 * @throws Error naming the known ids when `id` is not bundled.
 */
export function findModel(id: string = DEFAULT_MODEL_ID): ModelInfo {
  const model = MODELS.find((candidate) => candidate.id === id);
  if (!model)
    throw new Error(
      `findModel: no bundled model '${id}'; bundled: ${MODELS.map((m) => m.id).join(', ')}`,
    );
  return model;
}

/**
 * The path of a model's model.json inside this package (`models/<id>/model.json`), for bundlers
 * and servers that serve the package's files: e.g. with Vite,
 * `new URL(`../node_modules/@crack/models/${modelFile()}`, import.meta.url)`, or copy the folder.
 */
export function modelFile(id: string = DEFAULT_MODEL_ID): string {
  return `models/${findModel(id).id}/model.json`;
}
