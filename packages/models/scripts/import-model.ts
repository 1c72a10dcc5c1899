/**
 * Copies a model a compress-pipeline run trained into this package and records it in
 * models/index.json (the catalog src/index.ts types):
 *
 *   pnpm --filter @crack/models import-model --run <run dir> --model prunedFinetuned \
 *     --id cfd-student-pruned --role default --label "..." --architecture "..." --recipe "..." \
 *     [--cross-validated scores.json]
 *
 * params, MACs (at 480x320) and the in-sample scores come from the run's report.json; bytes and
 * SHA-256 from the copied weights.bin. --cross-validated is a JSON file with the held-out means
 * ({ precision, recall, f1, precisionTolerant, recallTolerant, f1Tolerant, folds, seeds }).
 * The model card (models/<id>/README.md) is written by hand.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelInfo } from '../src/index';

const { values } = parseArgs({
  options: {
    run: { type: 'string' },
    model: { type: 'string' },
    id: { type: 'string' },
    role: { type: 'string' },
    label: { type: 'string' },
    architecture: { type: 'string' },
    recipe: { type: 'string' },
    data: { type: 'string', default: 'CrackForest (CFD), all 118 images of 480x320' },
    licence: {
      type: 'string',
      default:
        'derived from CrackForest (CFD), which is "made available for non-commercial research purposes only": use these weights for non-commercial research only',
    },
    'cross-validated': { type: 'string' },
  },
});
for (const key of ['run', 'model', 'id', 'role', 'label', 'architecture', 'recipe'] as const)
  if (!values[key]) throw new Error(`import-model: --${key} is required`);
const role = values.role as ModelInfo['role'];
if (!['default', 'uncompressed', 'teacher'].includes(role))
  throw new Error(`import-model: --role must be default, uncompressed or teacher, got ${role}`);

const run = path.resolve(values.run as string);
const report = JSON.parse(readFileSync(path.join(run, 'report.json'), 'utf8')) as {
  models: (Record<string, number> & { id: string; label: string })[];
};
const manifest = JSON.parse(readFileSync(path.join(run, 'export', 'manifest.json'), 'utf8')) as {
  models: { id: string; path: string; sizeDivisibleBy: number }[];
};
const row = report.models.find((m) => m.id === values.model);
const exported = manifest.models.find((m) => m.id === values.model);
if (!row || !exported) throw new Error(`import-model: no model '${values.model}' in ${run}`);

const here = path.dirname(fileURLToPath(import.meta.url));
const target = path.join(here, '..', 'models', values.id as string);
mkdirSync(target, { recursive: true });
for (const file of ['model.json', 'weights.bin'])
  copyFileSync(path.join(run, 'export', exported.path, file), path.join(target, file));
const weights = readFileSync(path.join(target, 'weights.bin'));

const scores = (r: Record<string, number>) => ({
  precision: r.precision as number,
  recall: r.recall as number,
  f1: r.f1 as number,
  precisionTolerant: r.precisionTolerant as number,
  recallTolerant: r.recallTolerant as number,
  f1Tolerant: r.f1Tolerant as number,
});
const entry: ModelInfo = {
  id: values.id as string,
  label: values.label as string,
  role,
  architecture: values.architecture as string,
  params: row.params as number,
  macs: row.macs as number,
  bytes: weights.length,
  sha256: createHash('sha256').update(weights).digest('hex'),
  sizeDivisibleBy: exported.sizeDivisibleBy,
  data: values.data as string,
  licence: values.licence as string,
  recipe: values.recipe as string,
  crossValidated: values['cross-validated']
    ? JSON.parse(readFileSync(values['cross-validated'], 'utf8'))
    : null,
  inSample: scores(row),
};

const indexFile = path.join(here, '..', 'models', 'index.json');
const catalog = JSON.parse(readFileSync(indexFile, 'utf8')) as { models: ModelInfo[] };
const models = [...catalog.models.filter((m) => m.id !== entry.id), entry].sort(
  (a, b) =>
    ['default', 'uncompressed', 'teacher'].indexOf(a.role) -
    ['default', 'uncompressed', 'teacher'].indexOf(b.role),
);
writeFileSync(`${indexFile}.tmp`, `${JSON.stringify({ models }, null, 2)}\n`);
renameSync(`${indexFile}.tmp`, indexFile);
console.log(`import-model: ${entry.id} (${entry.role}) -> ${target}, ${entry.bytes} bytes`);
