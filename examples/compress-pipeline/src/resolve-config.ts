/**
 * From command-line options to a validated {@link PipelineConfig}: preset, then the flags that
 * were given, then validation with messages that name the flag. A run directory that already has
 * a config.json keeps it: flags that contradict it are refused, so a resumed run can never mix
 * two settings.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PipelineConfig, PresetName } from './config';
import { PRESET_NAMES } from './config';
import { FIELD_FLAGS, flagOf, optionKey, UsageError } from './flags';
import { presetConfig } from './presets';

/** Options as commander parsed them, and which were given on the command line. */
export interface ParsedOptions {
  values: Record<string, unknown>;
  /** True when the user gave the option (not a default). */
  given: (key: string) => boolean;
}

/** The repository root (this file is examples/compress-pipeline/src/resolve-config.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Builds the config of a run. `stored` is the run directory's config.json when it exists: it is
 * returned unchanged unless a given flag contradicts it, which throws a {@link UsageError}
 * (with `allowChanges`, as `branch` needs, the flags are applied on top of it instead).
 */
export function resolveConfig(
  options: ParsedOptions,
  stored: PipelineConfig | null,
  settings: { allowChanges?: boolean } = {},
): PipelineConfig {
  const { values, given } = options;
  if (given('preset')) {
    const preset = String(values.preset);
    if (!PRESET_NAMES.includes(preset as PresetName))
      throw new UsageError(
        `--preset ${preset} is invalid: expected one of ${PRESET_NAMES.join(', ')}`,
      );
  }
  if (stored && !settings.allowChanges && given('preset') && stored.preset !== values.preset)
    throw new UsageError(
      `--preset ${String(values.preset)} differs from the run directory's config.json (${stored.preset}); a run directory keeps its config: drop the flag or use a new --out`,
    );
  const config = stored
    ? withDefaults(stored)
    : presetConfig(given('preset') ? (values.preset as PresetName) : 'quick');

  if (given('data')) applyData(config, String(values.data));
  else if (config.data.source === 'cfd' && config.data.dir === null) applyData(config, 'cfd');
  if (given('imageSize')) {
    const match = /^(\d+)x(\d+)$/.exec(String(values.imageSize));
    if (!match)
      throw new UsageError(
        `--image-size ${String(values.imageSize)} is invalid: expected WIDTHxHEIGHT, e.g. 480x320`,
      );
    config.data.width = Number(match[1]);
    config.data.height = Number(match[2]);
  }
  for (const spec of FIELD_FLAGS) {
    const key = optionKey(spec.flags);
    if (!given(key)) continue;
    const flag = spec.flags.split(' ')[0] as string;
    setPath(config, spec.path, spec.parse(String(values[key]), flag));
  }
  if (given('augment')) config.training.augment = Boolean(values.augment);
  if (given('trainOnAll')) config.data.trainOnAll = Boolean(values.trainOnAll);
  if (given('folds') && config.fold === null) config.fold = 'all';
  if (given('fold')) config.fold = parseFold(String(values.fold));
  if (config.folds !== null && config.fold === null) config.fold = 'all';

  validateConfig(config);
  if (stored && !settings.allowChanges) refuseChanges(withDefaults(stored), config);
  return config;
}

/** What the pipeline did before each of these fields was added (see {@link withDefaults}). */
const BEHAVIOUR_BEFORE_THE_FIELD: Record<string, Record<string, unknown>> = {
  data: { trainOnAll: false },
  training: { schedule: 'constant' },
  distill: { loss: 'hinge', margin: null, space: 'logit', temperature: 2, warmupEpochs: 0 },
  // ridge and holdout: the prune stage pinned the thesis's plain least squares on every sampled
  // position (ridge 1e-6, no held-out split) before they became settings.
  prune: {
    parent: 'distilled',
    crackFraction: 0,
    finetuneTeacher: 'teacher',
    ridge: 1e-6,
    holdout: 0,
  },
};

/**
 * A stored config with the fields added since it was written filled in from its preset, so run
 * directories made by an older version keep resuming (their settings are unchanged).
 */
export function withDefaults(stored: PipelineConfig): PipelineConfig {
  const preset = presetConfig(PRESET_NAMES.includes(stored.preset) ? stored.preset : 'quick');
  // Fields added after the first release take the value that reproduces what the pipeline did
  // before they existed, not today's preset value (a preset's defaults may change since).
  const defaults = structuredClone(preset) as unknown as Record<string, unknown>;
  for (const [section, values] of Object.entries(BEHAVIOUR_BEFORE_THE_FIELD)) {
    Object.assign(defaults[section] as Record<string, unknown>, values);
  }
  const fill = (into: Record<string, unknown>, from: Record<string, unknown>): void => {
    for (const [key, value] of Object.entries(from)) {
      if (!(key in into)) into[key] = structuredClone(value);
      else if (isObject(value) && isObject(into[key]))
        fill(into[key] as Record<string, unknown>, value as Record<string, unknown>);
    }
  };
  const config = structuredClone(stored) as unknown as Record<string, unknown>;
  fill(config, defaults);
  return config as unknown as PipelineConfig;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function applyData(config: PipelineConfig, value: string): void {
  if (value === 'synthetic') {
    config.data.source = 'synthetic';
    config.data.dir = null;
    return;
  }
  if (value === 'cfd') {
    config.data.source = 'cfd';
    config.data.dir = cfdDirectory();
    if (config.folds === null) config.folds = 6;
    return;
  }
  const dir = path.resolve(value);
  if (!existsSync(dir))
    throw new UsageError(
      `--data ${value}: no such folder (expected synthetic, cfd or a folder with images/ and masks/)`,
    );
  if (!existsSync(path.join(dir, 'images')) || !existsSync(path.join(dir, 'masks')))
    throw new UsageError(`--data ${value}: the folder must contain images/ and masks/`);
  config.data.source = 'folder';
  config.data.dir = dir;
  if (config.folds === null) config.folds = foldsInFile(dir) ?? 5;
}

/**
 * Where CFD is read from: CRACK_DATA_DIR, else ../shared/datasets/cfd beside the repository, else
 * a download folder in the user's cache (filled by `downloadCfd` when the data is first loaded).
 */
export function cfdDirectory(): string {
  const fromEnv = process.env.CRACK_DATA_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  const shared = path.resolve(REPO_ROOT, '../shared/datasets/cfd');
  if (existsSync(path.join(shared, 'images'))) return shared;
  return path.join(os.homedir(), '.cache', 'crack', 'cfd');
}

function foldsInFile(dir: string): number | null {
  const file = path.join(dir, 'folds.json');
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { folds?: unknown };
  return Array.isArray(parsed.folds) ? parsed.folds.length : null;
}

function parseFold(value: string): number | 'all' {
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value))
    throw new UsageError(`--fold ${value} is invalid: expected a fold index (0-based) or all`);
  return Number(value);
}

/** Checks the fields that depend on each other; every message names the flag to change. */
export function validateConfig(config: PipelineConfig): void {
  const { teacher, student, training, data } = config;
  if (student.depth > teacher.depth)
    throw new UsageError(
      `--student-depth ${student.depth} exceeds --teacher-depth ${teacher.depth}: a same-topology student has at most the teacher's poolings`,
    );
  if (student.baseFilters > teacher.baseFilters)
    throw new UsageError(
      `--student-filters ${student.baseFilters} exceeds --teacher-filters ${teacher.baseFilters}: a same-topology student has at most the teacher's channels`,
    );
  const granularity = 2 ** teacher.depth;
  if (training.crop > 0 && training.crop % granularity !== 0)
    throw new UsageError(
      `--crop ${training.crop} must be divisible by 2^teacher-depth = ${granularity} (or 0 for whole images)`,
    );
  if (data.source === 'synthetic') {
    if (training.crop > Math.min(data.width, data.height))
      throw new UsageError(
        `--crop ${training.crop} is larger than the synthetic images (${data.width}x${data.height}; see --image-size)`,
      );
    if (training.crop === 0 && (data.width % granularity !== 0 || data.height % granularity !== 0))
      throw new UsageError(
        `--image-size ${data.width}x${data.height} must be divisible by 2^teacher-depth = ${granularity} when --crop is 0`,
      );
  }
  if (config.folds !== null && typeof config.fold === 'number' && config.fold >= config.folds)
    throw new UsageError(
      `--fold ${config.fold} is out of range: ${foldOwner(config)} has ${config.folds} folds (0..${config.folds - 1})`,
    );
}

function foldOwner(config: PipelineConfig): string {
  if (config.data.source === 'cfd') return 'CFD';
  if (config.data.source === 'folder') return `--data ${config.data.dir}`;
  return '--folds';
}

function refuseChanges(stored: PipelineConfig, config: PipelineConfig): void {
  const difference = firstDifference(stored, config, []);
  if (!difference) return;
  const [where, before, after] = difference;
  const flag =
    where[0] === 'data'
      ? where[1] === 'source' || where[1] === 'dir'
        ? '--data'
        : flagOf(where)
      : flagOf(where);
  throw new UsageError(
    `${flag} ${JSON.stringify(after)} differs from the run directory's config.json (${JSON.stringify(before)}); a run directory keeps its config: drop the flag or use a new --out`,
  );
}

function firstDifference(
  a: unknown,
  b: unknown,
  at: string[],
): [string[], unknown, unknown] | null {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        [...at, key],
      );
      if (found) return found;
    }
    return null;
  }
  return a === b ? null : [at, a, b];
}

function setPath(target: object, where: readonly string[], value: unknown): void {
  let node = target as Record<string, unknown>;
  for (const key of where.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[where[where.length - 1] as string] = value;
}
