/**
 * The pruning refit settings reach pruneModel: a run directory from before `prune.ridge` /
 * `prune.holdout` existed prunes as it did then (ridge 1e-6, nothing held out), and
 * `compareRefit` re-prunes its students with pruneModel's defaults in a branch, leaving the source
 * untouched. Tiny preset.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RIDGE_GRID } from '@crack/prune';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { branchRun } from '../src/branch';
import type { PipelineConfig } from '../src/config';
import { createContext, runStage } from '../src/context';
import { runPipeline, STAGE_WORK } from '../src/pipeline';
import { compareRefit, type RefitComparison, refitTable } from '../src/refit-comparison';
import { resolveConfig } from '../src/resolve-config';
import { RunDir, type RunState } from '../src/run-dir';
import type { PruneReportFile } from '../src/stages/prune';
import type { ReportFile } from '../src/stages/report';
import { removeTemporaryDirs, temporaryDir, tinyConfig, useBackend } from './helpers';

afterAll(removeTemporaryDirs);

const root = temporaryDir('refit');
const source = path.join(root, 'legacy');
const target = path.join(root, 'refit');
const read = <T>(...parts: string[]): T =>
  JSON.parse(readFileSync(path.join(...parts), 'utf8')) as T;

/** Every file under `dir` with its bytes (to check that the source is not modified). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name);
      if (statSync(file).isDirectory()) walk(file);
      else files.set(path.relative(dir, file), readFileSync(file).toString('base64'));
    }
  };
  walk(dir);
  return files;
}

let sourceFiles: Map<string, string>;
let comparison: RefitComparison;
let tensorsBefore = 0;
let tensorsAfter = 0;

beforeAll(async () => {
  await useBackend();
  tensorsBefore = tf.memory().numTensors;
  // A config.json written before the refit settings existed, resumed the way the CLI does.
  const legacy = structuredClone(tinyConfig()) as unknown as { prune: Record<string, unknown> };
  delete legacy.prune.ridge;
  delete legacy.prune.holdout;
  const run = new RunDir(source);
  run.writeConfig(legacy as unknown as PipelineConfig);
  const config = resolveConfig({ values: {}, given: () => false }, run.readConfig());
  await runPipeline(createContext(source, config, { print: () => {} }));
  sourceFiles = snapshot(source);
  comparison = await compareRefit(source, target, { context: { print: () => {} } });
  tensorsAfter = tf.memory().numTensors;
}, 600_000);

describe('the pruning refit settings', () => {
  it('leak no tensors', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  it('prune an old run directory with ridge 1e-6 and no held-out rows, as before', () => {
    const report = read<PruneReportFile>(source, 'pruned', 'prune-report.json');
    expect(report.settings).toMatchObject({ ridge: 1e-6, holdout: 0, parent: 'plain' });
    expect(report.sites.length).toBeGreaterThan(0);
    for (const site of report.sites) {
      expect(site.heldOutErrorAfter).toBeNull();
      for (const consumer of site.consumers) {
        expect(consumer.ridge).toBe(1e-6);
        expect(consumer.heldOutRows).toBe(0);
      }
    }
    expect(read<RunState>(source, 'state.json').stages.prune?.details).toMatchObject({
      ridge: 1e-6,
      holdout: 0,
    });
    // Resuming never rewrites config.json: it still lacks the fields.
    expect(read<{ prune: object }>(source, 'config.json').prune).not.toHaveProperty('ridge');
  });

  it("re-prune the source's students with pruneModel's defaults in the branch", () => {
    expect(comparison.before).toEqual({ ridge: 1e-6, holdout: 0 });
    expect(comparison.after).toEqual({ ridge: 'auto', holdout: 0.2 });
    const report = read<PruneReportFile>(target, 'pruned', 'prune-report.json');
    expect(report.settings).toMatchObject({ ridge: 'auto', holdout: 0.2 });
    const samples = report.settings.images * report.settings.samplesPerImage;
    for (const site of report.sites) {
      expect(site.heldOutErrorAfter).not.toBeNull();
      for (const consumer of site.consumers) {
        // pruneModel holds out round(0.2 N) of the N sampled rows.
        expect(consumer.heldOutRows).toBe(Math.round(0.2 * samples));
        expect(consumer.rows).toBe(samples - Math.round(0.2 * samples));
        expect(consumer.ridge === null || RIDGE_GRID.includes(consumer.ridge)).toBe(true);
      }
    }
    expect(read<PipelineConfig>(target, 'config.json').prune).toMatchObject({
      ridge: 'auto',
      holdout: 0.2,
    });
  });

  it('copy the teacher and both students instead of training them, and leave the source as it was', () => {
    const state = read<RunState>(target, 'state.json');
    for (const stage of [
      'train-teacher',
      'cache-teacher',
      'train-student-plain',
      'train-student-distilled',
    ] as const)
      expect(state.stages[stage]?.details, stage).toMatchObject({ reusedFrom: source });
    for (const stage of ['prune', 'finetune', 'evaluate', 'report'] as const)
      expect(state.stages[stage]?.details?.reusedFrom, stage).toBeUndefined();
    for (const file of ['student-plain/weights.bin', 'student-distilled/weights.bin'])
      expect(
        readFileSync(path.join(target, file)).equals(readFileSync(path.join(source, file))),
        file,
      ).toBe(true);
    expect(snapshot(source)).toEqual(sourceFiles);
  });

  it("puts the source's report rows next to the new ones; the unchanged models score the same", () => {
    const rows = (dir: string) => read<ReportFile>(dir, 'report.json').models;
    for (const row of comparison.rows) {
      expect(row.before).toEqual(rows(source).find((model) => model.id === row.id));
      expect(row.after).toEqual(rows(target).find((model) => model.id === row.id));
    }
    for (const id of ['teacher', 'studentPlain', 'studentDistilled']) {
      const row = comparison.rows.find((candidate) => candidate.id === id);
      expect(row?.after?.f1, id).toBe(row?.before?.f1);
      expect(row?.after?.f1Tolerant, id).toBe(row?.before?.f1Tolerant);
    }
    const pruned = comparison.rows.find((row) => row.id === 'prunedFinetuned');
    const table = refitTable(comparison);
    expect(table).toContain(
      `| ${pruned?.label} | ${pruned?.before?.f1.toFixed(4)} | ${pruned?.after?.f1.toFixed(4)} |`,
    );
    expect(table).toContain('(refit ridge 1e-6, nothing held out)');
    expect(table).toContain('(refit ridge auto, 20 % of the positions held out)');
  });

  it('pass a fixed ridge and another held-out fraction through unchanged', async () => {
    const fixed = path.join(root, 'fixed');
    const config = resolveConfig(
      {
        values: { pruneRidge: '0.01', pruneHoldout: '0.5' },
        given: (key) => key === 'pruneRidge' || key === 'pruneHoldout',
      },
      new RunDir(source).config(),
      { allowChanges: true },
    );
    branchRun(source, fixed, config, ['train-student-plain', 'train-student-distilled']);
    const context = createContext(fixed, config, { print: () => {} });
    const numTensors = tf.memory().numTensors;
    await runStage(context, 'prune', () => STAGE_WORK.prune(context));
    expect(tf.memory().numTensors).toBe(numTensors);
    const report = read<PruneReportFile>(fixed, 'pruned', 'prune-report.json');
    expect(report.settings).toMatchObject({ ridge: 0.01, holdout: 0.5 });
    const samples = report.settings.images * report.settings.samplesPerImage;
    for (const consumer of report.sites.flatMap((site) => site.consumers)) {
      expect(consumer.ridge).toBe(0.01);
      expect(consumer.heldOutRows).toBe(Math.round(0.5 * samples));
    }
  });

  it('refuses an unfinished source and a target inside the source', async () => {
    await expect(compareRefit(source, path.join(source, 'refit'))).rejects.toThrow(
      'is inside --from',
    );
    await expect(compareRefit(path.join(root, 'nothing'), path.join(root, 'x'))).rejects.toThrow(
      'has no report.json: compare a finished run',
    );
  });
});
