/** `branch`: a new run directory reusing finished stages of another, with changed later settings. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { branchRun } from '../src/branch';
import { presetConfig } from '../src/presets';
import { type ParsedOptions, resolveConfig } from '../src/resolve-config';
import { RunDir } from '../src/run-dir';
import { removeTemporaryDirs, temporaryDir } from './helpers';

afterAll(removeTemporaryDirs);

const options = (values: Record<string, unknown>): ParsedOptions => ({
  values,
  given: (key) => key in values,
});

/** A run directory whose teacher stages are done (a teacher folder with one file). */
function finishedRun(): string {
  const root = temporaryDir('branch');
  const run = new RunDir(path.join(root, 'base'));
  run.writeConfig(presetConfig('tiny'));
  mkdirSync(run.path('teacher'));
  writeFileSync(run.path('teacher', 'model.json'), '{"teacher":1}');
  mkdirSync(run.path('teacher-logits'));
  writeFileSync(run.path('teacher-logits', 'index.json'), '{}');
  run.markDone('train-teacher', 12.5, { params: 10 });
  run.markDone('cache-teacher', 1);
  return run.root;
}

describe('branchRun', () => {
  it('copies the reused artefacts, marks them done and writes the new config', () => {
    const base = finishedRun();
    const target = path.join(path.dirname(base), 'kd-seed2');
    const config = resolveConfig(
      options({ seed: '2', distillLoss: 'kd' }),
      new RunDir(base).config(),
      { allowChanges: true },
    );
    branchRun(base, target, config, ['train-teacher', 'cache-teacher']);
    const run = new RunDir(target);
    expect(readFileSync(run.path('teacher', 'model.json'), 'utf8')).toBe('{"teacher":1}');
    expect(existsSync(run.path('teacher-logits', 'index.json'))).toBe(true);
    const state = run.readState();
    expect(state.stages['train-teacher']?.status).toBe('done');
    expect(state.stages['train-teacher']?.details).toMatchObject({
      params: 10,
      reusedFrom: base,
      seed: 1,
      training: presetConfig('tiny').training,
    });
    expect(state.stages['cache-teacher']?.status).toBe('done');
    expect(state.stages['train-student-plain']).toBeUndefined();
    expect(run.config().training.seed).toBe(2);
    expect(run.config().distill.loss).toBe('kd');
  });

  it("lets students train otherwise than the reused teacher (augmentation, schedule), recording the teacher's", () => {
    const base = finishedRun();
    const config = resolveConfig(
      options({ augment: false, lrSchedule: 'cosine' }),
      new RunDir(base).config(),
      { allowChanges: true },
    );
    const target = path.join(path.dirname(base), 'no-augment');
    branchRun(base, target, config, ['train-teacher', 'cache-teacher']);
    const run = new RunDir(target);
    expect(run.config().training).toMatchObject({ augment: false, schedule: 'cosine' });
    expect(run.readState().stages['train-teacher']?.details?.training).toMatchObject({
      augment: true,
      schedule: 'constant',
    });
    // A student, unlike the teacher, is bound to the settings it was trained with.
    new RunDir(target).markDone('train-student-plain', 1);
    expect(() =>
      branchRun(target, path.join(path.dirname(base), 'y'), presetConfig('tiny'), [
        'train-student-plain',
      ]),
    ).toThrow('--reuse train-student-plain: the training settings differ');
  });

  it('refuses a change a reused stage depends on, an unfinished stage and an existing target', () => {
    const base = finishedRun();
    const stored = new RunDir(base).config();
    const changed = resolveConfig(options({ teacherEpochs: '9' }), stored, { allowChanges: true });
    const target = path.join(path.dirname(base), 'x');
    expect(() => branchRun(base, target, changed, ['train-teacher'])).toThrow(
      '--reuse train-teacher: the teacher settings differ',
    );
    expect(() => branchRun(base, target, stored, ['train-student-plain'])).toThrow(
      '--reuse train-student-plain: that stage is not done',
    );
    expect(() => branchRun(base, target, stored, ['prune'])).toThrow('--reuse prune is invalid');
    expect(() => branchRun(base, base, stored, ['train-teacher'])).toThrow(
      'is a run directory already',
    );
    expect(existsSync(path.join(target, 'config.json'))).toBe(false);
  });
});
