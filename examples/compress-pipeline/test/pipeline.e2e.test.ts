/**
 * End to end: the whole pipeline on the tiny preset, in-process; every artefact is checked, and the
 * report's numbers are recomputed independently from the exported models.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticCracks } from '@crack/data';
import { decodeImage } from '@crack/data/image';
import { aggregateScores, aggregateSweeps, thresholdSweep, tolerantScores } from '@crack/metrics';
import { modelCost } from '@crack/metrics/cost';
import { nodeFileSystem } from '@crack/unet/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../src/context';
import { SYNTHETIC_DATA_SEED } from '../src/data';
import { runPipeline } from '../src/pipeline';
import type { ReportRow } from '../src/report';
import { STAGES } from '../src/run-dir';
import type { ReportFile } from '../src/stages/report';
import { removeTemporaryDirs, temporaryDir, tinyConfig, useBackend } from './helpers';

afterAll(removeTemporaryDirs);

const config = tinyConfig();
const root = temporaryDir('e2e');
const read = <T>(...parts: string[]): T =>
  JSON.parse(readFileSync(path.join(root, ...parts), 'utf8')) as T;
let tensorsBefore = 0;
let tensorsAfter = 0;

beforeAll(async () => {
  await useBackend();
  tensorsBefore = tf.memory().numTensors;
  await runPipeline(createContext(root, config, { print: () => {} }));
  tensorsAfter = tf.memory().numTensors;
});

describe('compress-pipeline run (tiny preset)', () => {
  it('leaks no tensors', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  it('marks every stage done in state.json and keeps no checkpoints', () => {
    const state = read<{ stages: Record<string, { status: string; seconds: number }> }>(
      'state.json',
    );
    for (const stage of STAGES) expect(state.stages[stage]?.status, stage).toBe('done');
    for (const stage of STAGES)
      expect(existsSync(path.join(root, 'checkpoints', stage))).toBe(false);
    expect(read<typeof config>('config.json')).toEqual(config);
  });

  it('writes every artefact', () => {
    const files = [
      'teacher/model.json',
      'teacher/weights.bin',
      'teacher/history.json',
      'teacher-logits/index.json',
      'student-plain/model.json',
      'student-distilled/model.json',
      'student-distilled/history.json',
      'pruned/model.json',
      'pruned/prune-report.json',
      'pruned-finetuned/model.json',
      'eval/metrics.json',
      'export/manifest.json',
      'report.md',
      'report.json',
      'logs/pipeline.log',
    ];
    for (const file of files) expect(existsSync(path.join(root, file)), file).toBe(true);
    const manifest = read<{ models: { path: string; sizeDivisibleBy: number }[] }>(
      'export',
      'manifest.json',
    );
    expect(manifest.models.map((model) => model.path)).toEqual([
      'teacher',
      'student-plain',
      'student-distilled',
      'pruned',
      'pruned-finetuned',
    ]);
    for (const model of manifest.models) {
      expect(existsSync(path.join(root, 'export', model.path, 'model.json'))).toBe(true);
      expect(existsSync(path.join(root, 'export', model.path, 'weights.bin'))).toBe(true);
      expect(model.sizeDivisibleBy).toBe(4);
    }
    const history = read<{ epoch: number }[]>('student-distilled', 'history.json');
    expect(history.map((epoch) => epoch.epoch)).toEqual([1]);
  });

  it('draws overlays with a photo, a ground-truth and one panel per model', () => {
    const metrics = read<{ overlays: { file: string; panels: string[] }[] }>(
      'eval',
      'metrics.json',
    );
    expect(metrics.overlays).toHaveLength(2);
    for (const overlay of metrics.overlays) {
      const image = decodeImage(readFileSync(path.join(root, overlay.file)));
      expect(overlay.panels).toHaveLength(7);
      expect(image.height).toBe(config.data.height);
      expect(image.width).toBe(7 * config.data.width + 6 * 4);
    }
  });

  it('prints the Table 4-6 layout in report.md', () => {
    const markdown = readFileSync(path.join(root, 'report.md'), 'utf8');
    expect(markdown).toContain(
      '| model | Pr | Re | F1 | Pr2 | Re2 | F1_2 | ODS_2 | OIS_2 | AP_2 | params | MACs | latency (ms) |',
    );
    for (const label of [
      'teacher',
      'student, no distillation',
      'student, distilled',
      // the quick and tiny presets prune the control (--prune-parent plain)
      'control + pruned',
      'control + pruned + fine-tuned',
    ])
      expect(markdown).toContain(`| ${label} |`);
    // Which seed it is, and that one seed is not a comparison.
    expect(markdown).toContain(
      `- one training seed (${config.training.seed}): a difference between two models smaller than their seed-to-seed spread is not a result`,
    );
  });

  it("recomputes the report's numbers from the exported models", async () => {
    const report = read<ReportFile>('report.json');
    const { trainImages, testImages, width, height } = config.data;
    const test = syntheticCracks({
      count: trainImages + testImages,
      width,
      height,
      seed: SYNTHETIC_DATA_SEED,
    }).slice(trainImages);
    expect(report.evaluation.images).toEqual(test.map((sample) => sample.id));
    const manifest = read<{ models: { id: string; path: string }[] }>('export', 'manifest.json');
    expect(report.models.map((row) => row.id)).toEqual(manifest.models.map((model) => model.id));
    for (const entry of manifest.models) {
      const row = report.models.find((candidate) => candidate.id === entry.id) as ReportRow;
      const model = await tfl.loadLayersModel(
        nodeFileSystem(path.join(root, 'export', entry.path)),
      );
      const strict = [];
      const tolerant = [];
      const sweeps = [];
      for (const sample of test) {
        const input = tf.tensor4d(
          Float32Array.from(sample.image.data, (value) => (value - 127.5) / 127.5),
          [1, height, width, 3],
        );
        const logits = model.predict(input) as tf.Tensor;
        const values = await logits.data();
        tf.dispose([input, logits]);
        // Crack where sigmoid(logit) >= threshold, i.e. logit >= logit(threshold).
        const pred = {
          data: Uint8Array.from(values, (logit) =>
            1 / (1 + Math.exp(-logit)) >= report.evaluation.threshold ? 1 : 0,
          ),
          width,
          height,
        };
        const truth = { data: sample.mask, width, height };
        const probability = {
          data: Float32Array.from(values, (logit) => 1 / (1 + Math.exp(-logit))),
          width,
          height,
        };
        sweeps.push(thresholdSweep(probability, truth, { tolerance: report.evaluation.tolerance }));
        strict.push(tolerantScores(pred, truth, { tolerance: 0 }));
        tolerant.push(tolerantScores(pred, truth, { tolerance: report.evaluation.tolerance }));
      }
      const s = aggregateScores(strict).micro;
      const t = aggregateScores(tolerant).micro;
      expect(row.precision, entry.id).toBeCloseTo(s.precision, 6);
      expect(row.recall, entry.id).toBeCloseTo(s.recall, 6);
      expect(row.f1, entry.id).toBeCloseTo(s.f1, 6);
      expect(row.precisionTolerant, entry.id).toBeCloseTo(t.precision, 6);
      expect(row.recallTolerant, entry.id).toBeCloseTo(t.recall, 6);
      expect(row.f1Tolerant, entry.id).toBeCloseTo(t.f1, 6);
      const sweep = aggregateSweeps(sweeps);
      expect(row.odsTolerant, entry.id).toBeCloseTo(sweep.ods.f1, 4);
      expect(row.oisTolerant, entry.id).toBeCloseTo(sweep.ois, 4);
      expect(row.apTolerant, entry.id).toBeCloseTo(sweep.ap, 4);
      expect(row.params).toBe(model.countParams());
      expect(row.macs).toBe(modelCost(model, { height, width }).total.macs);
      expect(row.latencyMs).toBeGreaterThan(0);
      model.dispose();
    }
    // Pruning halves the in-block maps: fewer parameters and MACs than the distilled student.
    const byId = Object.fromEntries(report.models.map((row) => [row.id, row]));
    expect(byId.pruned?.params).toBeLessThan(byId.studentDistilled?.params as number);
    expect(byId.pruned?.macs).toBeLessThan(byId.studentDistilled?.macs as number);
  });

  it('skips finished stages on a rerun', async () => {
    const lines: string[] = [];
    await runPipeline(createContext(root, config, { print: (line) => lines.push(line) }));
    for (const stage of STAGES)
      expect(lines).toContain(`${stage}: done already (state.json), skipped`);
  });
});
