/**
 * `reproduce` on the tiny preset: one fold, two seeds sharing the fold's teacher, three ablation
 * arms; the tables are checked against the runs' own report.json files, and a rerun does nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../src/config';
import type { ReportRow } from '../src/report';
import { ARMS, reproduce, runArm, sameAsBase } from '../src/reproduce';
import type { RunState } from '../src/run-dir';
import type { ReportFile } from '../src/stages/report';
import { removeTemporaryDirs, temporaryDir, tinyConfig, useBackend } from './helpers';

afterAll(removeTemporaryDirs);

const config = tinyConfig((c) => {
  c.folds = 2;
  c.fold = null;
  // As in the cfd preset: the default prunes the distilled student, so prune-control differs.
  c.prune.parent = 'distilled';
});
const root = temporaryDir('reproduce');
// prune-control-double-epochs comes first: it branches from control-double-epochs, which must
// then run before it.
const arms = [
  'prune-control-double-epochs',
  'distill-thesis',
  'prune-l1',
  'prune-control',
  'control-double-epochs',
  'control-quad-epochs',
  'distill-teacher-double-epochs',
].map((name) => ARMS.find((arm) => arm.name === name)!);
const read = <T>(...parts: string[]): T =>
  JSON.parse(readFileSync(path.join(root, ...parts), 'utf8')) as T;
/** Fold 0's held-out F1 of model `id` in run `dir` of `seed`. */
const f1 = (seed: number, dir: string, id: string) =>
  (
    read<ReportFile>('fold-0', `seed-${seed}`, dir, 'report.json').models.find(
      (row) => row.id === id,
    ) as ReportRow
  ).f1;
/** Mean over seeds 1 and 2 of fold 0's F1 of `id` in run `dir` minus `refId`'s in `refDir`. */
const meanDelta = (dir: string, id: string, refDir: string, refId: string) =>
  ([1, 2].map((s) => f1(s, dir, id) - f1(s, refDir, refId)) as [number, number]).reduce(
    (a, b) => a + b,
  ) / 2;
/** `delta` as the tables print it: signed, 4 decimals, escaped for a RegExp. */
const signedPattern = (delta: number) => `${delta >= 0 ? '\\+' : ''}${delta.toFixed(4)}`;
let tensorsBefore = 0;

beforeAll(async () => {
  await useBackend();
  tensorsBefore = tf.memory().numTensors;
  await reproduce(root, config, {
    seeds: [1, 2],
    folds: [0],
    arms,
    context: { print: () => {} },
  });
}, 600_000);

describe('reproduce (tiny preset)', () => {
  it('leaks no tensors', () => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('trains one teacher per fold and shares it between the seeds', () => {
    expect(existsSync(path.join(root, 'fold-0', 'teacher', 'teacher', 'model.json'))).toBe(true);
    for (const seed of [1, 2]) {
      const state = read<RunState>('fold-0', `seed-${seed}`, 'base', 'state.json');
      expect(state.stages['train-teacher']?.details).toMatchObject({
        reusedFrom: path.join(root, 'fold-0', 'teacher'),
        seed: 1,
      });
      for (const stage of ['train-student-plain', 'prune', 'finetune', 'train-scratch', 'report'])
        expect(state.stages[stage as keyof RunState['stages']]?.status, stage).toBe('done');
      expect(
        read<{ training: { seed: number } }>('fold-0', `seed-${seed}`, 'base', 'config.json')
          .training.seed,
      ).toBe(seed);
    }
    // The arm that only changes the distillation reused the teacher, not a student.
    const arm = read<RunState>('fold-0', 'seed-1', 'distill-thesis', 'state.json');
    expect(arm.stages['train-student-plain']).toBeUndefined();
    expect(arm.stages['train-student-distilled']?.status).toBe('done');
  });

  it("writes tables whose numbers are the runs' own", () => {
    const results = read<{
      replicates: { fold: number; seed: number; rows: Record<string, ReportRow> }[];
    }>('results.json');
    expect(results.replicates.map((r) => [r.fold, r.seed])).toEqual([
      [0, 1],
      [0, 2],
    ]);
    const tables = readFileSync(path.join(root, 'tables.md'), 'utf8');
    expect(tables).toContain('# Reproduction: 2 finished (fold, seed) replicates');
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const control = mean([1, 2].map((s) => f1(s, 'base', 'studentPlain')));
    expect(tables).toContain(`| control student (no distillation) | 2 | ${control.toFixed(4)} |`);
    // Arms that were not run have no line (random channels, KD, ...).
    expect(tables).not.toContain('random channels');
    expect(tables).not.toMatch(/ \| 0 \| \| \|/);
    const l1 = mean([1, 2].map((s) => f1(s, 'prune-l1', 'prunedFinetuned')));
    expect(tables).toMatch(
      new RegExp(`\\| pruned 0\\.5: L1-norm[^|]*\\| 2 \\| ${l1.toFixed(4)} \\|`),
    );
    const deltas = [1, 2].map(
      (s) => f1(s, 'distill-thesis', 'studentDistilled') - f1(s, 'base', 'studentPlain'),
    );
    const sign = mean(deltas) >= 0 ? '+' : '';
    expect(tables).toContain(`| ${sign}${mean(deltas).toFixed(4)} ± `);
  });

  it('trains only the control, twice as long, in the control-double-epochs arm', () => {
    const base = read<PipelineConfig>('fold-0', 'seed-1', 'base', 'config.json');
    const armConfig = read<PipelineConfig>(
      'fold-0',
      'seed-1',
      'control-double-epochs',
      'config.json',
    );
    expect(armConfig.student.epochs).toBe(2 * base.student.epochs);
    const models = read<ReportFile>(
      'fold-0',
      'seed-1',
      'control-double-epochs',
      'report.json',
    ).models;
    expect(models.map((row) => row.id).sort()).toEqual(['studentPlain', 'teacher']);
    const history = read<unknown[]>(
      'fold-0',
      'seed-1',
      'control-double-epochs',
      'student-plain',
      'history.json',
    );
    expect(history).toHaveLength(2 * base.student.epochs);
    const tables = readFileSync(path.join(root, 'tables.md'), 'utf8');
    const mean =
      (f1(1, 'control-double-epochs', 'studentPlain') +
        f1(2, 'control-double-epochs', 'studentPlain')) /
      2;
    expect(tables).toMatch(
      new RegExp(`\\| control: twice the epochs[^|]*\\| 2 \\| ${mean.toFixed(4)} \\|`),
    );
    // Four times: in the long table, paired with twice.
    expect(
      read<unknown[]>('fold-0', 'seed-1', 'control-quad-epochs', 'student-plain', 'history.json'),
    ).toHaveLength(4 * base.student.epochs);
    const quad = meanDelta(
      'control-quad-epochs',
      'studentPlain',
      'control-double-epochs',
      'studentPlain',
    );
    const long = tables.slice(tables.indexOf('## Twice the student epochs'));
    expect(long).toMatch(
      new RegExp(
        `\\| control: four times the epochs[^|]*\\| 2 \\|[^\\n]*\\| ${signedPattern(quad)} ± `,
      ),
    );
  });

  it('prunes the control trained twice as long, branched from its arm, and pairs it with it', () => {
    const from = path.join(root, 'fold-0', 'seed-1', 'control-double-epochs');
    const state = read<RunState>('fold-0', 'seed-1', 'prune-control-double-epochs', 'state.json');
    expect(state.stages['train-student-plain']?.details).toMatchObject({ reusedFrom: from });
    expect(state.stages['train-student-distilled']).toBeUndefined();
    // The pruned parent is that arm's 2x-epochs student, byte for byte.
    const weights = (dir: string) =>
      readFileSync(path.join(root, 'fold-0', 'seed-1', dir, 'student-plain', 'weights.bin'));
    expect(weights('prune-control-double-epochs').equals(weights('control-double-epochs'))).toBe(
      true,
    );
    expect(weights('control-double-epochs').equals(weights('base'))).toBe(false);
    const base = read<PipelineConfig>('fold-0', 'seed-1', 'base', 'config.json');
    const armConfig = read<PipelineConfig>(
      'fold-0',
      'seed-1',
      'prune-control-double-epochs',
      'config.json',
    );
    expect(armConfig.student.epochs).toBe(2 * base.student.epochs);
    expect(armConfig.prune).toMatchObject({
      parent: 'plain',
      finetuneTeacher: 'parent',
      finetuneEpochs: 2 * base.prune.finetuneEpochs,
    });
    expect(
      read<unknown[]>(
        'fold-0',
        'seed-1',
        'prune-control-double-epochs',
        'pruned-finetuned',
        'history.json',
      ),
    ).toHaveLength(2 * base.prune.finetuneEpochs);
    const delta = meanDelta(
      'prune-control-double-epochs',
      'prunedFinetuned',
      'control-double-epochs',
      'studentPlain',
    );
    const tables = readFileSync(path.join(root, 'tables.md'), 'utf8');
    const section = tables.slice(
      tables.indexOf('## Twice the student epochs'),
      tables.indexOf('## Table 4-6'),
    );
    expect(section).toContain(`(${2 * base.student.epochs})`);
    expect(section).toMatch(/\| control, twice the epochs \| 2 \|[^\n]*\| \(reference\) \|/);
    expect(section).toMatch(
      new RegExp(
        `\\| pruned 0\\.5: LASSO on the control trained twice[^|]*\\| 2 \\|[^\\n]*\\| ${signedPattern(delta)} ± `,
      ),
    );
    const before = meanDelta(
      'prune-control-double-epochs',
      'pruned',
      'control-double-epochs',
      'studentPlain',
    );
    expect(section).toMatch(
      new RegExp(
        `\\| the same pruned model before its fine-tuning \\| 2 \\|[^\\n]*\\| ${signedPattern(before)} ± `,
      ),
    );
    // Not run here: no line.
    expect(section).not.toContain(
      'distilled: eq 4-4 hinge on probabilities (a = 1, b = 1), weight 1, twice the epochs |',
    );
  });

  it('trains its own teacher, twice as long, in distill-teacher-double-epochs, and lists it', () => {
    const base = read<PipelineConfig>('fold-0', 'seed-1', 'base', 'config.json');
    const state = read<RunState>('fold-0', 'seed-1', 'distill-teacher-double-epochs', 'state.json');
    expect(state.stages['train-teacher']?.status).toBe('done');
    expect(state.stages['train-teacher']?.details?.reusedFrom).toBeUndefined();
    expect(state.stages['train-student-plain']).toBeUndefined();
    const history = (dir: string) =>
      read<unknown[]>('fold-0', 'seed-1', 'distill-teacher-double-epochs', dir, 'history.json');
    expect(history('teacher')).toHaveLength(2 * base.teacher.epochs);
    expect(history('student-distilled')).toHaveLength(2 * base.student.epochs);
    const tables = readFileSync(path.join(root, 'tables.md'), 'utf8');
    const section = tables.slice(
      tables.indexOf('## Twice the student epochs'),
      tables.indexOf('## Table 4-6'),
    );
    for (const [label, id] of [
      [
        'distilled: eq 4-4 hinge on probabilities[^|]*from a teacher also trained twice the epochs',
        'studentDistilled',
      ],
      ['its teacher', 'teacher'],
    ] as const) {
      const delta = meanDelta(
        'distill-teacher-double-epochs',
        id,
        'control-double-epochs',
        'studentPlain',
      );
      expect(section).toMatch(
        new RegExp(`\\| ${label} \\| 2 \\|[^\\n]*\\| ${signedPattern(delta)} ± `),
      );
    }
  });

  it('prunes the control student in the prune-control arm and pairs it with the control', () => {
    for (const seed of [1, 2]) {
      const armConfig = read<{ prune: { parent: string; finetuneTeacher: string } }>(
        'fold-0',
        `seed-${seed}`,
        'prune-control',
        'config.json',
      );
      expect(armConfig.prune).toMatchObject({ parent: 'plain', finetuneTeacher: 'parent' });
    }
    const delta = meanDelta('prune-control', 'prunedFinetuned', 'base', 'studentPlain');
    const tables = readFileSync(path.join(root, 'tables.md'), 'utf8');
    const section = tables.slice(tables.indexOf('## Table 4-5, control parent'));
    expect(section).toMatch(
      new RegExp(
        `\\| pruned 0\\.5: LASSO on the control student[^|]*\\| 2 \\|[^\\n]*\\| ${signedPattern(delta)} ± `,
      ),
    );
  });

  it("resumes an arm with the config it was started with, not with today's", async () => {
    const armDir = path.join(root, 'fold-0', 'seed-1', 'prune-l1');
    const stored = read<PipelineConfig>('fold-0', 'seed-1', 'prune-l1', 'config.json');
    // As if the arm had been started by a version whose prune settings differ from today's.
    const older = structuredClone(stored);
    older.prune.samplesPerImage = stored.prune.samplesPerImage + 7;
    delete (older.prune as Partial<PipelineConfig['prune']>).holdout;
    writeFileSync(path.join(armDir, 'config.json'), JSON.stringify(older));
    const arm = arms.find((candidate) => candidate.name === 'prune-l1')!;
    const baseConfig = read<PipelineConfig>('fold-0', 'seed-1', 'base', 'config.json');
    const resumed = await runArm(
      path.join(root, 'fold-0', 'seed-1', 'base'),
      armDir,
      baseConfig,
      arm,
      { print: () => {} },
    );
    expect(resumed.prune.samplesPerImage).toBe(stored.prune.samplesPerImage + 7);
    expect(resumed.prune.holdout).toBe(0); // a field it did not have: what it did before the field
    expect(resumed.prune.criterion).toBe('l1');
    writeFileSync(path.join(armDir, 'config.json'), JSON.stringify(stored));
  });

  it('knows an arm that is the base recipe itself (skipped by reproduce)', () => {
    const arm = (name: string) => ARMS.find((candidate) => candidate.name === name)!;
    // The tiny preset distils with eq 4-4 on probabilities, as the distill-probability arm does.
    expect(sameAsBase(config, arm('distill-probability'))).toBe(true);
    expect(sameAsBase(config, arm('distill-kd'))).toBe(false);
    // The balanced arm distils background pixels with the cross-entropy's background weight.
    const balanced = structuredClone(config);
    arm('distill-balanced').change(balanced);
    expect(config.training.negativeWeight).toBe(0.7);
    expect(balanced.distill).toMatchObject({ alpha: 1, beta: 0.7, space: 'probability' });
    expect(sameAsBase(config, arm('distill-balanced'))).toBe(false);
    expect(sameAsBase(config, arm('prune-l1'))).toBe(false);
  });

  it('adds arms without the base run, tabled with the rows of an earlier results.json', async () => {
    const earlierFile = path.join(temporaryDir('reproduce-earlier'), 'results.json');
    const earlier = read<{
      replicates: { fold: number; seed: number; rows: Record<string, ReportRow> }[];
    }>('results.json');
    // A stale row of the arm this run trains again (this run's must win), and a replicate of a
    // fold this run does not touch (kept whole).
    const stale = earlier.replicates[0]!;
    stale.rows['control-double-epochs'] = { ...stale.rows['control-double-epochs']!, f1: 0.0123 };
    earlier.replicates.push({
      fold: 1,
      seed: 1,
      rows: { 'base.studentPlain': stale.rows['base.studentPlain']! },
    });
    writeFileSync(earlierFile, JSON.stringify(earlier));
    const again = temporaryDir('reproduce-no-base');
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const options = {
      seeds: [1],
      folds: [0],
      arms: [ARMS.find((arm) => arm.name === 'control-double-epochs')!],
      base: false,
      earlier: [earlierFile],
      context: { print: (line: string) => lines.push(line) },
    };
    await reproduce(again, config, options);
    expect(tf.memory().numTensors).toBe(before);
    const state = JSON.parse(
      readFileSync(path.join(again, 'fold-0', 'seed-1', 'base', 'state.json'), 'utf8'),
    ) as RunState;
    expect(state.stages['train-teacher']?.status).toBe('done');
    expect(state.stages['train-student-plain']).toBeUndefined();
    expect(lines.some((line) => line.includes('seed 1, base ==='))).toBe(false);
    const armReport = JSON.parse(
      readFileSync(
        path.join(again, 'fold-0', 'seed-1', 'control-double-epochs', 'report.json'),
        'utf8',
      ),
    ) as ReportFile;
    const fresh = armReport.models.find((row) => row.id === 'studentPlain')!;
    // The same seed, batches and code as the first run: the same student, bit for bit.
    expect(fresh.f1).toBe(f1(1, 'control-double-epochs', 'studentPlain'));
    const merged = JSON.parse(readFileSync(path.join(again, 'results.json'), 'utf8')) as {
      replicates: { fold: number; seed: number; rows: Record<string, ReportRow> }[];
    };
    expect(merged.replicates.map((r) => [r.fold, r.seed])).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
    ]);
    const mine = merged.replicates[0]!.rows;
    expect(mine['control-double-epochs']?.f1).toBe(fresh.f1);
    expect(mine['base.studentPlain']).toEqual(stale.rows['base.studentPlain']);
    expect(merged.replicates[2]!.rows).toEqual({
      'base.studentPlain': stale.rows['base.studentPlain'],
    });
    const tables = readFileSync(path.join(again, 'tables.md'), 'utf8');
    expect(tables).toContain('# Reproduction: 3 finished (fold, seed) replicates');
    expect(tables).not.toContain('0.0123');
  });

  it('refuses, before training, an arm that needs the base run and an unreadable results file', async () => {
    const again = temporaryDir('reproduce-refused');
    const options = {
      seeds: [1],
      folds: [0],
      arms: [ARMS.find((arm) => arm.name === 'prune-l1')!],
      base: false,
      context: { print: () => {} },
    };
    await expect(reproduce(again, config, options)).rejects.toThrow(
      "without the base run, prune-l1 cannot run: they reuse the base run's students",
    );
    const missing = path.join(again, 'nowhere.json');
    await expect(
      reproduce(again, config, { ...options, arms: [], base: true, earlier: [missing] }),
    ).rejects.toThrow(`${missing}: cannot read earlier results`);
    const wrong = path.join(again, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ models: [] }));
    await expect(
      reproduce(again, config, { ...options, arms: [], base: true, earlier: [wrong] }),
    ).rejects.toThrow(`${wrong}: not a reproduce results.json`);
    expect(existsSync(path.join(again, 'fold-0'))).toBe(false);
  });

  it('does nothing on a rerun', async () => {
    const before = readFileSync(path.join(root, 'fold-0', 'seed-2', 'base', 'state.json'), 'utf8');
    const lines: string[] = [];
    await reproduce(root, config, {
      seeds: [1, 2],
      folds: [0],
      arms,
      context: { print: (line) => lines.push(line) },
    });
    expect(lines.filter((line) => line.endsWith(': started'))).toEqual([]);
    expect(readFileSync(path.join(root, 'fold-0', 'seed-2', 'base', 'state.json'), 'utf8')).toBe(
      before,
    );
  });
});
