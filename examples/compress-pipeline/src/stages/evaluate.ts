/**
 * Stage 5: evaluate every model of the run on the held-out images (strict and tolerant Pr/Re/F1,
 * params, MACs, latency) and draw overlay PNGs of the first few images with all models side by side.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writePngFile } from '@crack/data/node';
import type { PipelineConfig } from '../config';
import type { StageContext } from '../context';
import { evaluateModel, type ModelEvaluation } from '../evaluate';
import { loadModel } from '../models';
import { overlayPanels } from '../overlay';
import { startProgress } from '../progress';
import { MODEL_DIRS, type ModelId, writeJsonAtomic } from '../run-dir';

/**
 * The report's label of a model: the pruned rows name the student they were pruned from
 * (`--prune-parent plain` prunes the control, not the distilled student).
 */
export function modelLabel(id: ModelId, config: PipelineConfig): string {
  const label = MODEL_LABELS[id];
  return config.prune.parent === 'plain' && (id === 'pruned' || id === 'prunedFinetuned')
    ? label.replace('distilled + pruned', 'control + pruned')
    : label;
}

/** Row labels of the report, in table order (the thesis's Table 4-6 plus the control and fine-tuning). */
export const MODEL_LABELS: Record<ModelId, string> = {
  teacher: 'teacher',
  studentPlain: 'student, no distillation',
  studentDistilled: 'student, distilled',
  pruned: 'distilled + pruned',
  prunedFinetuned: 'distilled + pruned + fine-tuned',
  prunedScratch: 'pruned architecture from scratch',
};

/** One model's entry in eval/metrics.json. */
export type StoredEvaluation = Omit<ModelEvaluation, 'masks'> & {
  id: ModelId;
  label: string;
  dir: string;
};

/** Contents of eval/metrics.json. */
export interface EvaluationFile {
  /** Backend the latencies were measured on. */
  backend: string;
  images: string[];
  threshold: number;
  tolerance: number;
  models: StoredEvaluation[];
  overlays: { file: string; id: string; panels: string[] }[];
}

/** Evaluates every model present in the run directory; writes eval/metrics.json and eval/overlays/. */
export async function evaluateModels(context: StageContext): Promise<Record<string, unknown>> {
  const { config, run, log } = context;
  const { test } = await context.data();
  const ids = (Object.keys(MODEL_DIRS) as ModelId[]).filter((id) =>
    existsSync(path.join(run.modelDir(id), 'model.json')),
  );
  const overlayCount = Math.min(config.evaluate.overlays, test.length);
  const progress = startProgress({
    label: 'evaluate',
    total: ids.length,
    unit: 'models',
    print: log,
  });
  const models: StoredEvaluation[] = [];
  const masks: Uint8Array[][] = [];
  try {
    for (const [index, id] of ids.entries()) {
      const model = await loadModel(run.modelDir(id), id);
      try {
        const { masks: kept, ...evaluation } = await evaluateModel(model, test, {
          ...config.evaluate,
          keepMasks: overlayCount,
        });
        const label = modelLabel(id, config);
        models.push({ id, label, dir: MODEL_DIRS[id], ...evaluation });
        masks.push(kept);
        log(
          `evaluate: ${label}: F1 ${evaluation.strict.micro.f1.toFixed(4)}, F1_${config.evaluate.tolerance} ${evaluation.tolerant.micro.f1.toFixed(4)}, ${evaluation.latency.medianMs.toFixed(1)} ms`,
        );
      } finally {
        model.dispose();
      }
      progress.update(index + 1);
    }
  } finally {
    progress.stop();
  }
  const overlays: EvaluationFile['overlays'] = [];
  for (let i = 0; i < overlayCount; i++) {
    const sample = test[i];
    if (!sample) break;
    const file = path.join('eval', 'overlays', `${sample.id}.png`);
    await writePngFile(
      run.path(file),
      overlayPanels(
        sample,
        masks.map((kept) => kept[i] as Uint8Array),
      ),
    );
    overlays.push({
      file,
      id: sample.id,
      panels: ['image', 'ground truth', ...models.map((model) => model.label)],
    });
  }
  const result: EvaluationFile = {
    backend: context.backend,
    images: test.map((sample) => sample.id),
    threshold: config.evaluate.threshold,
    tolerance: config.evaluate.tolerance,
    models,
    overlays,
  };
  writeJsonAtomic(run.path('eval', 'metrics.json'), result);
  return { models: models.length, images: test.length };
}
