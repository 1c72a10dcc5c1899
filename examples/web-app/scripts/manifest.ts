/** The bundled-models manifest, public/models/index.json, shared by the model scripts. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { modelCost } from '@crack/metrics/cost';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { ModelEntry } from '../src/models';

/** Reads the manifest, or an empty list when there is none yet. */
export async function readManifest(modelsDir: string): Promise<ModelEntry[]> {
  try {
    return JSON.parse(await readFile(path.join(modelsDir, 'index.json'), 'utf8')) as ModelEntry[];
  } catch {
    return [];
  }
}

/**
 * Adds (or replaces) the entry `id` for the model saved in `modelsDir/id/`, with its parameter
 * count and its multiply-adds at the thesis's 320x480 input.
 */
export async function addToManifest(
  modelsDir: string,
  id: string,
  model: LayersModel,
  label: string,
  options: { first?: boolean } = {},
): Promise<void> {
  const { total } = modelCost(model, { height: 320, width: 480 });
  const entry: ModelEntry = {
    id,
    label,
    url: `models/${id}/model.json`,
    params: total.params,
    macs: total.macs,
  };
  const others = (await readManifest(modelsDir)).filter((e) => e.id !== id);
  const entries = options.first ? [entry, ...others] : [...others, entry];
  await writeFile(path.join(modelsDir, 'index.json'), `${JSON.stringify(entries, null, 2)}\n`);
}
