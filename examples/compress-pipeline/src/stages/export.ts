/**
 * Stage 6: export the models as tfjs-layers folders (model.json + weights.bin) for
 * @crack/runtime and web apps, with a manifest of how to feed them and what they cost.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { StageContext } from '../context';
import { readJson, writeJsonAtomic } from '../run-dir';
import type { EvaluationFile } from './evaluate';

/** One model of export/manifest.json. */
export interface ExportEntry {
  id: string;
  label: string;
  /** Folder relative to export/. */
  path: string;
  /** Input: NHWC float32 RGB normalised as below, sides divisible by this. */
  sizeDivisibleBy: number;
  normalisation: '(x - 127.5) / 127.5';
  /** The output is a logit map [batch, height, width, 1]; crack where sigmoid(logit) >= threshold. */
  output: 'logits';
  threshold: number;
  params: number;
  macs: number;
  f1: number;
  f1Tolerant: number;
}

/** Copies every evaluated model into export/<dir>/ and writes export/manifest.json. */
export async function exportModels(context: StageContext): Promise<Record<string, unknown>> {
  const { run, log } = context;
  const evaluation = readJson<EvaluationFile>(run.path('eval', 'metrics.json'));
  if (!evaluation)
    throw new Error(`${run.path('eval', 'metrics.json')} is missing: run the evaluate stage first`);
  const entries: ExportEntry[] = [];
  for (const model of evaluation.models) {
    const source = run.path(model.dir);
    const target = run.path('export', model.dir);
    const temporary = `${target}.tmp-${process.pid}`;
    rmSync(temporary, { recursive: true, force: true });
    for (const file of readdirSync(source).filter(
      (name) => name === 'model.json' || name.endsWith('.bin'),
    )) {
      copyFileSync(path.join(source, file), path.join(ensureDir(temporary), file));
    }
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(temporary, target);
    entries.push({
      id: model.id,
      label: model.label,
      path: model.dir,
      sizeDivisibleBy: granularityOf(run.path('export', model.dir)),
      normalisation: '(x - 127.5) / 127.5',
      output: 'logits',
      threshold: evaluation.threshold,
      params: model.cost.params,
      macs: model.cost.macs,
      f1: model.strict.micro.f1,
      f1Tolerant: model.tolerant.micro.f1,
    });
    log(`export: ${model.label} -> ${target}`);
  }
  writeJsonAtomic(run.path('export', 'manifest.json'), { models: entries });
  return { models: entries.length };
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function granularityOf(dir: string): number {
  const topology = readJson<{ modelTopology: { config: { layers: { class_name: string }[] } } }>(
    path.join(dir, 'model.json'),
  );
  const poolings =
    topology?.modelTopology.config.layers.filter((layer) => layer.class_name === 'MaxPooling2D')
      .length ?? 0;
  return 2 ** poolings;
}
