/**
 * The commander program of compress-pipeline: `run` chains every stage; each stage is also its own
 * command working on a run directory (--out).
 */
import path from 'node:path';
import { initBackend } from '@crack/runtime';
import { Command, Option } from 'commander';
import { branchRun, REUSABLE_STAGES } from './branch';
import type { PipelineConfig } from './config';
import { PRESET_NAMES } from './config';
import { createContext, runStage } from './context';
import { describeFlag, FIELD_FLAGS, UsageError } from './flags';
import { reportRows, runAllFolds, runPipeline, STAGE_WORK } from './pipeline';
import { reportTable } from './report';
import { ARMS, reproduce } from './reproduce';
import { type ParsedOptions, resolveConfig } from './resolve-config';
import { RunDir, type StageId } from './run-dir';

/** The stage commands: name, stage, summary. */
const STAGE_COMMANDS: { name: string; stage: StageId | null; summary: string }[] = [
  {
    name: 'train-teacher',
    stage: 'train-teacher',
    summary:
      'Stage 1: train the teacher U-Net on the labels (weighted sigmoid cross-entropy, eq 3-5).',
  },
  {
    name: 'cache-teacher',
    stage: 'cache-teacher',
    summary:
      "Stage 2: store the teacher's logits for every training image (@crack/distill/cache, float16).",
  },
  {
    name: 'train-student',
    stage: null,
    summary:
      'Stage 3: train the same-topology student with sigmoid distillation (eq 4-5), or the control with --no-distill.',
  },
  {
    name: 'prune',
    stage: 'prune',
    summary:
      'Stage 4: channel-prune the distilled student (@crack/prune: LASSO selection + least-squares reconstruction).',
  },
  {
    name: 'finetune',
    stage: 'finetune',
    summary:
      'Stage 4b: fine-tune the pruned student with the distillation loss (--finetune-epochs 0 skips it).',
  },
  {
    name: 'train-scratch',
    stage: 'train-scratch',
    summary:
      "Table 4-5's last column (not part of run): train pruned/'s architecture from scratch for the student's plus the fine-tuning epochs.",
  },
  {
    name: 'evaluate',
    stage: 'evaluate',
    summary:
      'Stage 5: strict and tolerant Pr/Re/F1 on the held-out images, params, MACs, latency, overlay PNGs.',
  },
  {
    name: 'export',
    stage: 'export',
    summary:
      'Stage 6: tfjs model folders (model.json + weights.bin) and export/manifest.json for @crack/runtime and web apps.',
  },
  {
    name: 'report',
    stage: 'report',
    summary: 'Write report.md and report.json (the Table 4-6 layout) from the evaluation.',
  },
];

function addCommonOptions(command: Command, isRun: boolean): Command {
  command
    .option(
      '--out <dir>',
      isRun
        ? 'run directory (default: out/<timestamp>); rerunning on it resumes'
        : 'run directory of the run (required except for train-teacher)',
    )
    .addOption(
      new Option(
        '--preset <name>',
        "starting configuration: quick (the demo), tiny (tests), thesis (the thesis's settings, days of CPU)",
      ).choices(PRESET_NAMES),
    )
    .option(
      '--data <source>',
      "'synthetic' (built-in, default), 'cfd' (CRACK_DATA_DIR, ../shared/datasets/cfd, or downloaded), or a folder with images/ and masks/ (and optionally folds.json)",
    )
    .option('--image-size <WxH>', 'synthetic data: image size (quick preset: 480x320)')
    .option(
      '--fold <i|all>',
      "fold to test on (0-based), or 'all' (run only) for every fold (default: all when folds are used)",
    )
    .option('--no-augment', 'train without flips, rotations, brightness and contrast changes')
    .option(
      '--train-on-all',
      'train on every image, the held-out fold too (for a model to ship; its evaluation is then in-sample)',
    );
  for (const spec of FIELD_FLAGS) {
    const option = new Option(spec.flags, describeFlag(spec));
    if (spec.choices) option.choices(spec.choices);
    command.addOption(option);
  }
  return command;
}

function parsed(command: Command): ParsedOptions {
  return {
    values: command.opts(),
    given: (key) => {
      const source = command.getOptionValueSource(key);
      return source === 'cli' || source === 'env';
    },
  };
}

async function prepare(
  command: Command,
  name: string,
  defaultOut: boolean,
): Promise<{ root: string; config: PipelineConfig; backend: string }> {
  const options = parsed(command);
  const out = options.values.out as string | undefined;
  if (!out && !defaultOut)
    throw new UsageError(`--out is required for ${name}: the run directory of the earlier stages`);
  const root = path.resolve(
    out ?? path.join('out', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  const stored = new RunDir(root).readConfig();
  const starts =
    name === 'run' || name === 'reproduce' || name === 'train-teacher' || name === 'train-student';
  if (!stored && !starts)
    throw new UsageError(
      `--out ${root} has no config.json: start the run with \`run\`, \`train-teacher\` or \`train-student\` first`,
    );
  const config = resolveConfig(options, stored);
  if (name !== 'run' && name !== 'reproduce' && config.fold === 'all')
    throw new UsageError(
      `--fold all runs only with \`run\`; give ${name} the run directory of one fold (--out ${path.join(root, 'fold-<i>')}) or --fold i`,
    );
  const choice = await initBackend({
    prefer: config.backend.prefer,
    threads: config.backend.threads,
    logger: null,
  });
  const backend = `${choice.backend}${choice.backend === 'wasm' ? ` (${choice.simd ? 'SIMD' : 'no SIMD'}, ${choice.threads} thread${choice.threads > 1 ? 's' : ''})` : ''}`;
  console.log(
    `compress-pipeline ${name}: run directory ${root}${stored ? ' (resuming: config.json found)' : ''}`,
  );
  console.log(`backend: ${backend}: ${choice.reason}`);
  return { root, config, backend };
}

function printTable(root: string, config: PipelineConfig): void {
  const rows = reportRows(root);
  if (!rows) return;
  console.log(
    `\n${reportTable(rows, config.evaluate.tolerance)}\n\nreport: ${path.join(root, 'report.md')}`,
  );
}

/** Builds the commander program. */
export function buildProgram(): Command {
  const program = new Command('compress-pipeline')
    .description(
      "The thesis's compression framework (Fig 4-1) end to end: train a teacher U-Net, distil a same-topology student " +
        '(and train a control without distillation), channel-prune it, fine-tune, evaluate strict and 2-px Pr/Re/F1, export tfjs ' +
        'models, and write report.md/report.json. Every stage writes into a run directory (--out) and records completion ' +
        'in state.json; rerunning on the same --out skips finished stages and resumes training from the last epoch checkpoint.',
    )
    .showHelpAfterError();

  const run = addCommonOptions(
    program
      .command('run')
      .description(
        'Run every stage not done yet: train-teacher, cache-teacher, train-student (control and distilled), prune, finetune, evaluate, export, report. Prints the report table.',
      ),
    true,
  );
  run.action(async () => {
    const { root, config, backend } = await prepare(run, 'run', true);
    const runDir = new RunDir(root);
    if (!runDir.readConfig()) runDir.writeConfig(config);
    if (config.fold === 'all') await runAllFolds(root, config, { backend });
    else await runPipeline(createContext(root, config, { backend }));
    printTable(root, config);
  });

  const branch = addCommonOptions(
    program
      .command('branch')
      .description(
        'Start a new run directory (--out) from a finished one (--from), reusing the artefacts of the stages named by --reuse ' +
          '(copied, marked done) and applying the other flags to the stages that follow: students of several seeds or losses ' +
          'sharing one teacher. Settings a reused stage depends on may not change; a reused teacher does not depend on the ' +
          'training settings (seed, augmentation, schedule, batches), which then apply to the students only.',
      ),
    false,
  )
    .requiredOption('--from <dir>', 'the finished run directory to branch from')
    .option(
      '--reuse <stages>',
      `comma-separated stages to reuse: ${REUSABLE_STAGES.join(', ')}`,
      'train-teacher,cache-teacher',
    );
  branch.action(() => {
    const options = parsed(branch);
    const from = path.resolve(String(options.values.from));
    const out = options.values.out as string | undefined;
    if (!out) throw new UsageError('--out is required for branch: the new run directory');
    const source = new RunDir(from).readConfig();
    if (!source) throw new UsageError(`--from ${from} has no config.json`);
    const config = resolveConfig(options, source, { allowChanges: true });
    const reuse = String(options.values.reuse)
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    branchRun(from, path.resolve(out), config, reuse);
    console.log(
      `compress-pipeline branch: ${path.resolve(out)} from ${from}, reusing ${reuse.join(', ')}`,
    );
  });

  const repro = addCommonOptions(
    program
      .command('reproduce')
      .description(
        "The thesis's Tables 4-4, 4-5 and 4-6 on every fold and seed, resumable: per fold a teacher, per seed the control, " +
          'the distilled student, pruning + fine-tuning and the pruned architecture from scratch, plus one run per ablation ' +
          'arm (other distillation losses, other pruning criteria); then results.json and tables.md with means and paired ' +
          'differences. Start with --preset cfd. Rerun the same command to continue; --only-folds splits the work between processes.',
      ),
    true,
  )
    .option(
      '--seeds <list>',
      'comma-separated student seeds (the teacher of a fold uses the first)',
      '1,2',
    )
    .option('--only-folds <list>', 'comma-separated folds to work on (default: all)')
    .option(
      '--arms <list>',
      `comma-separated ablation arms, or none (default: all of ${ARMS.map((arm) => arm.name).join(', ')})`,
    )
    .option(
      '--no-base',
      "train only the teachers and the arms, not the base run's students (for arms that reuse only the teacher, added to a study whose base rows are in --earlier-results)",
    )
    .option(
      '--earlier-results <files>',
      "comma-separated results.json files of earlier runs of this study (a run directory that is gone, another machine's): tabled with this run's rows, which win where both have one",
    );
  repro.action(async () => {
    const { root, config, backend } = await prepare(repro, 'reproduce', false);
    if (config.folds === null)
      throw new UsageError('reproduce needs folds: --data cfd, a folder with folds, or --folds K');
    const runDir = new RunDir(root);
    if (!runDir.readConfig()) runDir.writeConfig(config);
    const values = repro.opts();
    const list = (value: unknown, flag: string, max: number): number[] =>
      String(value)
        .split(',')
        .map((item) => {
          const number = Number(item.trim());
          if (!Number.isInteger(number) || number < 0 || number > max)
            throw new UsageError(
              `${flag} ${String(value)} is invalid: expected integers in [0, ${max}]`,
            );
          return number;
        });
    const folds = values.onlyFolds
      ? list(values.onlyFolds, '--only-folds', config.folds - 1)
      : Array.from({ length: config.folds }, (_, i) => i);
    const armNames = values.arms
      ? String(values.arms)
          .split(',')
          .map((a) => a.trim())
      : null;
    const arms =
      armNames === null
        ? ARMS
        : armNames[0] === 'none'
          ? []
          : armNames.map((name) => {
              const arm = ARMS.find((candidate) => candidate.name === name);
              if (!arm)
                throw new UsageError(
                  `--arms ${name} is invalid: expected some of ${ARMS.map((a) => a.name).join(', ')} or none`,
                );
              return arm;
            });
    await reproduce(
      root,
      { ...config, fold: null },
      {
        seeds: list(values.seeds, '--seeds', 2 ** 31 - 1),
        folds,
        arms,
        base: values.base !== false,
        earlier: values.earlierResults
          ? String(values.earlierResults)
              .split(',')
              .map((file) => path.resolve(file.trim()))
          : [],
        context: { backend },
      },
    );
    console.log(`tables: ${path.join(root, 'tables.md')}`);
  });

  for (const { name, stage, summary } of STAGE_COMMANDS) {
    const command = addCommonOptions(
      program
        .command(name)
        .description(
          `${summary} Works on the run directory --out; skips the stage if state.json says it is done (unless --force).`,
        ),
      false,
    );
    command.option('--force', 'run the stage even if it is done');
    if (name === 'train-student')
      command.option(
        '--no-distill',
        'train the control student (no teacher, cross-entropy only) into student-plain/',
      );
    command.action(async () => {
      const { root, config, backend } = await prepare(
        command,
        name,
        name === 'train-teacher' || name === 'train-student',
      );
      const context = createContext(root, config, { backend });
      const id: StageId =
        stage ??
        (command.opts().distill === false ? 'train-student-plain' : 'train-student-distilled');
      await runStage(context, id, () => STAGE_WORK[id](context), {
        force: Boolean(command.opts().force),
      });
      if (id === 'report') printTable(root, config);
    });
  }
  return program;
}
