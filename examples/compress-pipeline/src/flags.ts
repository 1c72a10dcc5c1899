/**
 * Command-line flags of the pipeline and the config field each one sets. One table drives the
 * commander options (so `--help` documents every flag with its preset default), the mapping onto
 * {@link PipelineConfig}, and the error messages, which always name the flag.
 */
import { PRESETS } from './presets';

/** One flag: its commander spec, its help text and the config field it sets. */
export interface FlagSpec {
  /** Commander flag syntax, e.g. '--teacher-epochs <n>'. */
  flags: string;
  /** Help text (the quick preset's default is appended). */
  description: string;
  /** Path of the config field, e.g. ['teacher', 'epochs']. */
  path: readonly string[];
  /** Value parser; throws an Error naming the flag. */
  parse: (value: string, flag: string) => unknown;
  /** Choices shown in help. */
  choices?: readonly string[];
}

/** Thrown for a bad flag value or combination; the CLI prints only its message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string, flag: string): number => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || number < min || number > max)
      throw new UsageError(
        `${flag} ${value} is invalid: expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'inf' : max}]`,
      );
    return number;
  };

const real =
  (min: number, max: number, maxOpen = false) =>
  (value: string, flag: string): number => {
    const number = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(number) ||
      number < min ||
      number > max ||
      (maxOpen && number === max)
    )
      throw new UsageError(
        `${flag} ${value} is invalid: expected a number in [${min}, ${max}${maxOpen ? ')' : ']'}`,
      );
    return number;
  };

const positiveReal = (value: string, flag: string): number => {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number))
    throw new UsageError(`${flag} ${value} is invalid: expected a positive number`);
  return number;
};

const choice =
  (choices: readonly string[]) =>
  (value: string, flag: string): string => {
    if (!choices.includes(value))
      throw new UsageError(`${flag} ${value} is invalid: expected one of ${choices.join(', ')}`);
    return value;
  };

const defaultOf = (path: readonly string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], PRESETS.quick);

/**
 * Flags that set one config field each. `--data`, `--fold`, `--image-size`, `--preset` and
 * `--no-augment` have their own handling in {@link applyFlags}.
 */
export const FIELD_FLAGS: readonly FlagSpec[] = [
  {
    flags: '--train-images <n>',
    description: 'synthetic data: training images',
    path: ['data', 'trainImages'],
    parse: integer(1, 100000),
  },
  {
    flags: '--test-images <n>',
    description: 'synthetic data: held-out evaluation images',
    path: ['data', 'testImages'],
    parse: integer(1, 100000),
  },
  {
    flags: '--folds <k>',
    description:
      "k-fold cross-validation (CFD default: the thesis's 6 folds; synthetic default: a hold-out split)",
    path: ['folds'],
    parse: integer(2, 1000),
  },
  {
    flags: '--teacher-depth <n>',
    description: 'teacher poolings',
    path: ['teacher', 'depth'],
    parse: integer(1, 6),
  },
  {
    flags: '--teacher-filters <n>',
    description: 'teacher base channels',
    path: ['teacher', 'baseFilters'],
    parse: integer(1, 1024),
  },
  {
    flags: '--teacher-epochs <n>',
    description: 'teacher training epochs',
    path: ['teacher', 'epochs'],
    parse: integer(1),
  },
  {
    flags: '--teacher-lr <rate>',
    description: 'teacher Adam learning rate (thesis: 1e-4 for 64 channels, 1e-3 for <= 16)',
    path: ['teacher', 'learningRate'],
    parse: positiveReal,
  },
  {
    flags: '--student-depth <n>',
    description: "student poolings (<= the teacher's)",
    path: ['student', 'depth'],
    parse: integer(1, 6),
  },
  {
    flags: '--student-filters <n>',
    description: "student base channels (<= the teacher's)",
    path: ['student', 'baseFilters'],
    parse: integer(1, 1024),
  },
  {
    flags: '--student-epochs <n>',
    description: 'student training epochs (both students)',
    path: ['student', 'epochs'],
    parse: integer(1),
  },
  {
    flags: '--student-lr <rate>',
    description: 'student Adam learning rate (thesis: 1e-3)',
    path: ['student', 'learningRate'],
    parse: positiveReal,
  },
  {
    flags: '--batch-size <n>',
    description: 'images (crops) per training batch (thesis: 1)',
    path: ['training', 'batchSize'],
    parse: integer(1, 4096),
  },
  {
    flags: '--crop <px>',
    description: 'side of the square random training crop; 0 trains on whole images',
    path: ['training', 'crop'],
    parse: integer(0, 100000),
  },
  {
    flags: '--negative-weight <alpha>',
    description: 'background weight alpha of the cross-entropy (eq 3-5)',
    path: ['training', 'negativeWeight'],
    parse: real(0, 100),
  },
  {
    flags: '--seed <n>',
    description: 'seed of initialisation, data order, crops, augmentation and pruning',
    path: ['training', 'seed'],
    parse: integer(0, 2 ** 31 - 1),
  },
  {
    flags: '--lr-schedule <name>',
    description:
      "learning-rate schedule of every training stage: 'constant' (thesis) or 'cosine' (down to 2 % by the last step)",
    path: ['training', 'schedule'],
    parse: choice(['constant', 'cosine']),
    choices: ['constant', 'cosine'],
  },
  {
    flags: '--distill-alpha <a>',
    description: 'distillation weight on crack pixels (eq 4-4 a)',
    path: ['distill', 'alpha'],
    parse: real(0, 100),
  },
  {
    flags: '--distill-beta <b>',
    description: 'distillation weight on background pixels (eq 4-4 b)',
    path: ['distill', 'beta'],
    parse: real(0, 100),
  },
  {
    flags: '--distill-weight <w>',
    description: 'weight of the distillation term in the total loss (eq 4-5)',
    path: ['distill', 'softWeight'],
    parse: real(0, 100),
  },
  {
    flags: '--distill-loss <name>',
    description:
      "distillation term: 'hinge' (eq 4-4, with --distill-margin / --distill-space) or 'kd' (binary KD with --distill-temperature)",
    path: ['distill', 'loss'],
    parse: choice(['hinge', 'kd']),
    choices: ['hinge', 'kd'],
  },
  {
    flags: '--distill-margin <m>',
    description: "hinge: distil towards clip(teacher logit, -m, m); 'none' for eq 4-4",
    path: ['distill', 'margin'],
    parse: (value: string, flag: string) => (value === 'none' ? null : positiveReal(value, flag)),
  },
  {
    flags: '--distill-space <space>',
    description: 'hinge: on logits (eq 4-4) or on sigmoid probabilities',
    path: ['distill', 'space'],
    parse: choice(['logit', 'probability']),
    choices: ['logit', 'probability'],
  },
  {
    flags: '--distill-temperature <T>',
    description: 'kd: temperature',
    path: ['distill', 'temperature'],
    parse: positiveReal,
  },
  {
    flags: '--distill-warmup <epochs>',
    description: 'epochs over which the distillation weight rises linearly from 0',
    path: ['distill', 'warmupEpochs'],
    parse: real(0, 10000),
  },
  {
    flags: '--prune-parent <student>',
    description: "the student to prune: 'distilled' (the thesis) or 'plain' (the control)",
    path: ['prune', 'parent'],
    parse: choice(['distilled', 'plain']),
    choices: ['distilled', 'plain'],
  },
  {
    flags: '--prune-ratio <r>',
    description: 'fraction of channels removed per pruned map',
    path: ['prune', 'ratio'],
    parse: real(0, 1, true),
  },
  {
    flags: '--prune-criterion <name>',
    description: 'channel selection',
    path: ['prune', 'criterion'],
    parse: choice(['lasso', 'l1', 'random']),
    choices: ['lasso', 'l1', 'random'],
  },
  {
    flags: '--prune-sites <which>',
    description:
      "'in-block': the thesis's maps between the two convs of a block; 'all': every prunable map",
    path: ['prune', 'sites'],
    parse: choice(['in-block', 'all']),
    choices: ['in-block', 'all'],
  },
  {
    flags: '--prune-images <n>',
    description: 'training images used to sample features for pruning',
    path: ['prune', 'images'],
    parse: integer(1, 100000),
  },
  {
    flags: '--prune-samples <n>',
    description: 'positions sampled per image for pruning',
    path: ['prune', 'samplesPerImage'],
    parse: integer(1, 100000),
  },
  {
    flags: '--prune-crack-fraction <f>',
    description:
      'fraction of the sampled positions drawn where the student sees a crack (0: uniform, the thesis)',
    path: ['prune', 'crackFraction'],
    parse: real(0, 1),
  },
  {
    flags: '--prune-ridge <r>',
    description:
      "ridge of the least-squares refit, relative to the mean diagonal of X_S^T X_S: 'auto' (chosen per consumer by 4-fold cross-validation, keeping the old weights when no refit is better) or a number >= 0 (1e-6: the thesis's plain least squares)",
    path: ['prune', 'ridge'],
    parse: (value: string, flag: string) => {
      if (value === 'auto') return 'auto';
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number) || number < 0)
        throw new UsageError(`${flag} ${value} is invalid: expected 'auto' or a number >= 0`);
      return number;
    },
  },
  {
    flags: '--prune-holdout <f>',
    description:
      "fraction of the sampled positions held out of selection and refit, on which prune-report.json's held-out errors are measured (0: fit on all, the thesis)",
    path: ['prune', 'holdout'],
    parse: real(0, 0.9),
  },
  {
    flags: '--finetune-teacher <who>',
    description:
      "fine-tuning distils from the 'teacher' logits, the unpruned 'parent' student, or 'none'",
    path: ['prune', 'finetuneTeacher'],
    parse: choice(['teacher', 'parent', 'none']),
    choices: ['teacher', 'parent', 'none'],
  },
  {
    flags: '--finetune-epochs <n>',
    description: 'fine-tuning epochs after pruning; 0 skips fine-tuning',
    path: ['prune', 'finetuneEpochs'],
    parse: integer(0),
  },
  {
    flags: '--finetune-lr <rate>',
    description: 'fine-tuning Adam learning rate',
    path: ['prune', 'finetuneLearningRate'],
    parse: positiveReal,
  },
  {
    flags: '--threshold <p>',
    description: 'probability threshold of a crack pixel',
    path: ['evaluate', 'threshold'],
    parse: real(0, 1),
  },
  {
    flags: '--tolerance <px>',
    description: 'tolerance of the tolerant scores (thesis: 2)',
    path: ['evaluate', 'tolerance'],
    parse: real(0, 1000),
  },
  {
    flags: '--overlays <n>',
    description: 'held-out images drawn as overlay PNGs',
    path: ['evaluate', 'overlays'],
    parse: integer(0, 10000),
  },
  {
    flags: '--latency-runs <n>',
    description: 'timed forward passes per model (median reported)',
    path: ['evaluate', 'latencyRuns'],
    parse: integer(1, 1000),
  },
  {
    flags: '--backend <name>',
    description: 'backend to try first (CRACK_BACKEND overrides, strictly)',
    path: ['backend', 'prefer'],
    parse: choice(['auto', 'tensorflow', 'wasm', 'cpu']),
    choices: ['auto', 'tensorflow', 'wasm', 'cpu'],
  },
  {
    flags: '--threads <n>',
    description: 'wasm threads (2 uses both cores through worker threads)',
    path: ['backend', 'threads'],
    parse: integer(1, 8),
  },
];

/** Help text of a flag with the quick preset's default. */
export function describeFlag(spec: FlagSpec): string {
  return `${spec.description} (quick preset: ${String(defaultOf(spec.path))})`;
}

/** The flag that sets a config path, for error messages ("--teacher-epochs"). */
export function flagOf(path: readonly string[]): string {
  const spec = FIELD_FLAGS.find((candidate) => candidate.path.join('.') === path.join('.'));
  if (spec) return spec.flags.split(' ')[0] as string;
  return `--${path.join('-')}`;
}

/** Commander's camelCase option key of a flag ('--teacher-epochs <n>' -> 'teacherEpochs'). */
export function optionKey(flags: string): string {
  const long = (flags.split(' ')[0] as string).replace(/^--(no-)?/, '');
  return long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
