/**
 * Command line of the study:
 *
 *   pnpm --filter architectures study --data cfd --data-dir data/cfd --out docs/results/architectures
 *   pnpm --filter architectures study --folds 0,1 --epochs 20      # fewer folds when time is short
 *   pnpm --filter architectures study --data synthetic --epochs 1 --folds 0 --out /tmp/smoke
 *
 * Trains on wasm (the runtime's backend with its training kernels), one thread. Each trained
 * student-fold is stored in <out>/runs at once: rerun the same command to resume a stopped study;
 * --report-only tabulates and plots what is stored without training.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '@crack/runtime';
import { STUDY_BUDGETS, STUDY_FAMILIES } from './candidates';
import { runStudy, STUDY_DEFAULTS } from './study';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'cfd' },
    'data-dir': { type: 'string', default: 'data/cfd' },
    folds: { type: 'string' },
    epochs: { type: 'string' },
    budgets: { type: 'string' },
    families: { type: 'string' },
    'latency-runs': { type: 'string' },
    out: { type: 'string', default: 'study-out' },
    'report-only': { type: 'boolean', default: false },
    'no-prune': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(`Usage: pnpm --filter architectures study [options]

Trains every block kind and encoder as a crack student at matched budgets, scores it on the held-out
fold (strict and 2 px), times it on wasm and writes results.md, results.json and pareto-<budget>.png.
Resumable: student-folds already stored in <out>/runs are not trained again.

  --data cfd|synthetic     images (default cfd)
  --data-dir DIR           CFD folder with images/ and masks/ (default data/cfd; downloaded if missing)
  --folds 0,1              fold indices (CFD 0..5; default all 6)
  --epochs N               epochs per student and fold (default ${STUDY_DEFAULTS.epochs})
  --budgets 30k,120k       budgets (${STUDY_BUDGETS.map((b) => b.name).join(', ')})
  --families a,b           students (${STUDY_FAMILIES.map((f) => f.name).join(', ')})
  --latency-runs N         timed forward passes per student (default ${STUDY_DEFAULTS.latencyRuns})
  --no-prune               do not prune each budget's best student (default: prune it at 0.5 and
                           fine-tune ${STUDY_DEFAULTS.prune?.epochs} epochs, fold by fold)
  --report-only            train nothing; tabulate and plot what is stored
  --out DIR                output folder (default study-out)
`);
  process.exit(0);
}

function fail(message: string): never {
  process.stderr.write(`architectures: ${message}\n`);
  process.exit(2);
}

const data =
  values.data === 'cfd'
    ? ({ source: 'cfd', dir: values['data-dir'] as string } as const)
    : values.data === 'synthetic'
      ? ({ source: 'synthetic', train: 8, test: 4, width: 96, height: 64 } as const)
      : fail(`--data must be cfd or synthetic, got ${values.data}`);
const list = (value: string | undefined) => value?.split(',').map((s) => s.trim()) ?? undefined;
const folds =
  list(values.folds)?.map(Number) ?? (data.source === 'cfd' ? STUDY_DEFAULTS.folds : [0]);
if (folds.some((f) => !Number.isInteger(f) || f < 0 || f > (data.source === 'cfd' ? 5 : 1)))
  fail(`--folds must list fold indices (CFD 0..5, synthetic 0..1), got ${values.folds}`);
const epochs = values.epochs === undefined ? STUDY_DEFAULTS.epochs : Number(values.epochs);
if (!Number.isInteger(epochs) || epochs < 1)
  fail(`--epochs must be an integer >= 1, got ${values.epochs}`);
const pick = <T extends { name: string }>(
  all: readonly T[],
  names: string[] | undefined,
  flag: string,
) => {
  if (!names) return all;
  const chosen = all.filter((item) => names.includes(item.name));
  if (chosen.length !== names.length)
    fail(
      `${flag} must name some of: ${all.map((item) => item.name).join(', ')}; got ${names.join(', ')}`,
    );
  return chosen;
};

await initBackend({ prefer: 'wasm', threads: 1 });
const result = await runStudy({
  ...STUDY_DEFAULTS,
  ...(data.source === 'synthetic' ? { crop: 0 } : {}),
  data,
  folds,
  epochs,
  budgets: pick(STUDY_BUDGETS, list(values.budgets), '--budgets'),
  families: pick(STUDY_FAMILIES, list(values.families), '--families'),
  latencyRuns:
    values['latency-runs'] === undefined
      ? STUDY_DEFAULTS.latencyRuns
      : Number(values['latency-runs']),
  out: values.out as string,
  reportOnly: values['report-only'] as boolean,
  ...(values['no-prune'] ? { prune: null } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${result.files.join('\n')}\n`);
