/**
 * Issue 16's before/after of the pruning refit on finished study runs:
 *
 * ```sh
 * npx tsx scripts/refit-before-after.ts --from runs/cfd/fold-0/seed-1/base --out runs/refit16/fold-0-seed-1
 * ```
 *
 * branches `--from` after train-student-distilled into `--out` (the teacher, its cached logits and
 * both students copied, not retrained; `--from` is only read), prunes the same parent with
 * pruneModel's defaults (`--ridge auto`, `--holdout 0.2` unless given), fine-tunes, evaluates and
 * reports with the source's settings otherwise, and prints the source's rows next to the new ones
 * (F1 strict and within the tolerance). Rerunning the same command resumes `--out`. The table is
 * also written to `<out>/refit-before-after.md` and `.json`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '@crack/runtime';
import type { PipelineConfig } from '../src/config';
import { FIELD_FLAGS, UsageError } from '../src/flags';
import { compareRefit, refitTable } from '../src/refit-comparison';
import { withDefaults } from '../src/resolve-config';
import { readJson, writeFileAtomicSync, writeJsonAtomic } from '../src/run-dir';
import { runMain } from '../src/run-main';

const USAGE =
  'usage: tsx scripts/refit-before-after.ts --from <finished run dir> --out <new run dir> [--ridge auto|R] [--holdout F]';

/** The pipeline's own parsers of --prune-ridge and --prune-holdout, with this script's flag names. */
function parseFlag(name: 'ridge' | 'holdout', value: string): unknown {
  const spec = FIELD_FLAGS.find((candidate) => candidate.path.join('.') === `prune.${name}`);
  if (!spec) throw new Error(`refit-before-after: the pipeline has no prune.${name} flag`);
  return spec.parse(value, `--${name}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      ridge: { type: 'string', default: 'auto' },
      holdout: { type: 'string', default: '0.2' },
    },
  });
  if (!values.from || !values.out) throw new UsageError(USAGE);
  const stored = readJson<PipelineConfig>(path.join(path.resolve(values.from), 'config.json'));
  if (!stored) throw new UsageError(`--from ${values.from} has no config.json`);
  const { backend: wanted } = withDefaults(stored);
  const choice = await initBackend({
    prefer: wanted.prefer,
    threads: wanted.threads,
    logger: null,
  });
  const backend = `${choice.backend}${choice.backend === 'wasm' ? ` (${choice.simd ? 'SIMD' : 'no SIMD'}, ${choice.threads} thread${choice.threads > 1 ? 's' : ''})` : ''}`;
  console.log(`refit-before-after: backend ${backend}: ${choice.reason}`);
  const comparison = await compareRefit(values.from, values.out, {
    ridge: parseFlag('ridge', values.ridge) as number | 'auto',
    holdout: parseFlag('holdout', values.holdout) as number,
    context: { backend },
  });
  const table = refitTable(comparison);
  writeJsonAtomic(path.join(comparison.target, 'refit-before-after.json'), comparison);
  writeFileAtomicSync(path.join(comparison.target, 'refit-before-after.md'), `${table}\n`);
  console.log(`\n${table}`);
}

await runMain(main);
