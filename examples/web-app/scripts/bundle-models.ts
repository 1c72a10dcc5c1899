/**
 * Bundles models into public/models/ and rewrites public/models/index.json to list them.
 *
 *   pnpm exec tsx scripts/bundle-models.ts --from-package
 *
 * copies every model of @crack/models (the CFD-trained default first, as the catalog lists them),
 * with the catalog's cross-validated scores, and adds the default model with float16 and uint8
 * weights (@crack/export's saveQuantized: 2x and 4x smaller downloads; tfjs dequantizes on load). Or, from a pipeline run of examples/compress-pipeline
 * (`<run>/export/`, with its manifest.json):
 *
 *   pnpm exec tsx scripts/bundle-models.ts --from ../compress-pipeline/out/<run>/export \
 *     [--models prunedFinetuned,teacher] [--min-f1-tolerant 0.5]
 *
 * Without --models it bundles the smallest *working* student (the first of distilled + pruned +
 * fine-tuned, distilled + pruned, distilled, plain whose 2-px F1 reaches --min-f1-tolerant,
 * default 0.5), listed first so it is the default, and the teacher as the larger choice.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ModelEntry } from '../src/models';

/** One model of the pipeline's export/manifest.json (the fields used here). */
interface ExportEntry {
  id: string;
  label: string;
  path: string;
  params: number;
  macs: number;
  f1: number;
  f1Tolerant: number;
}

const STUDENTS_SMALLEST_FIRST = ['prunedFinetuned', 'pruned', 'studentDistilled', 'studentPlain'];

const here = path.dirname(fileURLToPath(import.meta.url));
const modelsDir = path.join(here, '..', 'public', 'models');

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    'from-package': { type: 'boolean', default: false },
    models: { type: 'string' },
    'min-f1-tolerant': { type: 'string', default: '0.5' },
  },
});
if (values['from-package']) {
  await bundleFromPackage();
  process.exit(0);
}
if (!values.from) throw new Error('bundle-models: give --from <run>/export or --from-package');
const exportDir = path.resolve(values.from);
const minF1 = Number(values['min-f1-tolerant']);
const { models } = JSON.parse(await readFile(path.join(exportDir, 'manifest.json'), 'utf8')) as {
  models: ExportEntry[];
};
const today = new Date().toISOString().slice(0, 10);
const byId = new Map(models.map((m) => [m.id, m]));

let chosen: ExportEntry[];
if (values.models) {
  chosen = values.models.split(',').map((id) => {
    const entry = byId.get(id);
    if (!entry) throw new Error(`bundle-models: no model '${id}' in ${exportDir}/manifest.json`);
    return entry;
  });
} else {
  const student = STUDENTS_SMALLEST_FIRST.map((id) => byId.get(id)).find(
    (m): m is ExportEntry => m !== undefined && m.f1Tolerant >= minF1,
  );
  if (!student) {
    throw new Error(`bundle-models: no student in ${exportDir} reaches a 2-px F1 of ${minF1}`);
  }
  chosen = [student, ...(byId.has('teacher') ? [byId.get('teacher') as ExportEntry] : [])];
}

await rm(modelsDir, { recursive: true, force: true });
await mkdir(modelsDir, { recursive: true });
const index: ModelEntry[] = [];
for (const model of chosen) {
  await cp(path.join(exportDir, model.path), path.join(modelsDir, model.path), { recursive: true });
  index.push({
    id: model.path,
    label: capitalise(model.label),
    url: `models/${model.path}/model.json`,
    params: model.params,
    macs: model.macs,
    f1: model.f1,
    f1Tolerant: model.f1Tolerant,
    source: `${path.relative(path.join(here, '..', '..', '..'), exportDir)}/${model.path} (${today})`,
  });
  console.log(
    `bundled ${model.label}: 2-px F1 ${model.f1Tolerant.toFixed(3)}, ${model.params} params`,
  );
}
await writeFile(path.join(modelsDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Copies every model of @crack/models into public/models/ and lists them, default first. */
async function bundleFromPackage(): Promise<void> {
  const { MODELS } = await import('@crack/models');
  const { modelDirectory } = await import('@crack/models/node');
  await rm(modelsDir, { recursive: true, force: true });
  await mkdir(modelsDir, { recursive: true });
  const index: ModelEntry[] = [];
  for (const model of MODELS) {
    await cp(modelDirectory(model.id), path.join(modelsDir, model.id), { recursive: true });
    const scores = model.crossValidated;
    index.push({
      id: model.id,
      label: model.label,
      url: `models/${model.id}/model.json`,
      params: model.params,
      macs: model.macs,
      ...(scores ? { f1: scores.f1, f1Tolerant: scores.f1Tolerant } : {}),
      weights: 'float32',
      weightBytes: model.bytes,
      source: `@crack/models ${model.id}: ${model.data}; ${model.licence}`,
    });
    console.log(
      `bundled ${model.id} (${model.role}): ${model.params} params, ${model.bytes} bytes`,
    );
  }
  // The default model again with quantized weights: a phone downloads 2x / 4x less. Their F1 is
  // the float32 model's within the deltas measured in @crack/export's README (<= 0.002).
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const tfl = await import('@tensorflow/tfjs-layers');
  const { nodeFileSystem } = await import('@crack/unet/node');
  const { saveQuantized } = await import('@crack/export/node');
  const base = MODELS[0];
  const baseEntry = index[0];
  if (!base || !baseEntry) throw new Error('bundle-models: @crack/models lists no model');
  const model = await tfl.loadLayersModel(nodeFileSystem(modelDirectory(base.id)));
  for (const dtype of ['float16', 'uint8'] as const) {
    const id = `${base.id}-${dtype}`;
    const { weightBytes } = await saveQuantized(model, {
      directory: path.join(modelsDir, id),
      dtype,
    });
    index.push({
      ...baseEntry,
      id,
      label: `${base.label}, ${dtype} weights (${(weightBytes / 1024).toFixed(0)} KB)`,
      url: `models/${id}/model.json`,
      weights: dtype,
      weightBytes,
      source: `${baseEntry.source}; weights quantized to ${dtype} by @crack/export`,
    });
    console.log(`bundled ${id}: ${weightBytes} bytes of weights`);
  }
  model.dispose();
  await writeFile(path.join(modelsDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}
