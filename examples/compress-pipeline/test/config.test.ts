/** Flags to config: presets, overrides, validation messages that name the flag, and run-directory config locking. */
import { describe, expect, it } from 'vitest';
import { loadData } from '../src/data';
import { presetConfig } from '../src/presets';
import { buildProgram } from '../src/program';
import { type ParsedOptions, resolveConfig, withDefaults } from '../src/resolve-config';
import { MODEL_LABELS, modelLabel } from '../src/stages/evaluate';

function options(values: Record<string, unknown>): ParsedOptions {
  return { values, given: (key) => key in values };
}

describe('resolveConfig', () => {
  it('starts from the quick preset and applies flags', () => {
    const config = resolveConfig(options({ teacherEpochs: '3', crop: '64', augment: false }), null);
    expect(config.preset).toBe('quick');
    expect(config.teacher.epochs).toBe(3);
    expect(config.training.crop).toBe(64);
    expect(config.training.augment).toBe(false);
    expect(config.student).toEqual(presetConfig('quick').student);
  });

  it('uses the thesis folds for CFD and checks --fold', () => {
    const config = resolveConfig(options({ data: 'cfd', fold: '2' }), null);
    expect(config.folds).toBe(6);
    expect(config.fold).toBe(2);
    expect(resolveConfig(options({ data: 'cfd' }), null).fold).toBe('all');
    expect(() => resolveConfig(options({ data: 'cfd', fold: '7' }), null)).toThrow(
      '--fold 7 is out of range: CFD has 6 folds (0..5)',
    );
  });

  it('names the flag in every error', () => {
    expect(() => resolveConfig(options({ teacherEpochs: 'ten' }), null)).toThrow(
      '--teacher-epochs ten is invalid',
    );
    expect(() => resolveConfig(options({ studentFilters: '32' }), null)).toThrow(
      '--student-filters 32 exceeds --teacher-filters 12',
    );
    expect(() => resolveConfig(options({ crop: '100' }), null)).toThrow(
      '--crop 100 must be divisible by 2^teacher-depth = 8',
    );
    expect(() => resolveConfig(options({ pruneRatio: '1' }), null)).toThrow(
      '--prune-ratio 1 is invalid',
    );
    expect(() => resolveConfig(options({ data: '/nonexistent/folder' }), null)).toThrow(
      '--data /nonexistent/folder: no such folder',
    );
    expect(() => resolveConfig(options({ preset: 'huge' }), null)).toThrow(
      '--preset huge is invalid',
    );
  });

  it("keeps a run directory's config and refuses contradicting flags", () => {
    const stored = resolveConfig(options({ preset: 'tiny' }), null);
    expect(resolveConfig(options({}), stored)).toEqual(stored);
    expect(resolveConfig(options({ studentEpochs: '1' }), stored)).toEqual(stored);
    expect(() => resolveConfig(options({ studentEpochs: '5' }), stored)).toThrow(
      "--student-epochs 5 differs from the run directory's config.json (1)",
    );
    expect(() => resolveConfig(options({ preset: 'quick' }), stored)).toThrow(
      '--preset quick differs',
    );
  });

  it('fills fields added since an old config.json was written from its preset', () => {
    const old = structuredClone(resolveConfig(options({ preset: 'tiny' }), null)) as unknown as {
      training: Record<string, unknown>;
      distill: Record<string, unknown>;
      prune: Record<string, unknown>;
    };
    delete old.training.schedule;
    delete old.distill.loss;
    delete old.prune.crackFraction;
    const stored = old as unknown as ReturnType<typeof presetConfig>;
    const config = resolveConfig(options({}), stored);
    expect(config.training.schedule).toBe('constant');
    expect(config.distill.loss).toBe('hinge');
    expect(config.prune.crackFraction).toBe(0);
    expect(config.training.seed).toBe(stored.training.seed);
    // A flag equal to the filled default is accepted; a different one is refused.
    expect(resolveConfig(options({ lrSchedule: 'constant' }), stored).training.schedule).toBe(
      'constant',
    );
    expect(() => resolveConfig(options({ lrSchedule: 'cosine' }), stored)).toThrow(
      '--lr-schedule "cosine" differs from the run directory\'s config.json ("constant")',
    );
  });

  it('trains the cfd students 80 epochs and fine-tunes the pruned one 32 (the 6-fold study), on 2 threads', () => {
    const cfd = presetConfig('cfd');
    expect([cfd.student.epochs, cfd.prune.finetuneEpochs, cfd.teacher.epochs]).toEqual([
      80, 32, 20,
    ]);
    expect(cfd.backend.threads).toBe(2);
    expect(presetConfig('tiny').backend.threads).toBe(1);
  });

  it('trains the demo (quick) 40 epochs with a 12-channel teacher, the pruned control fine-tuned 20 at 1e-3', () => {
    const quick = presetConfig('quick');
    expect(quick.teacher).toEqual({ depth: 3, baseFilters: 12, epochs: 40, learningRate: 1e-3 });
    expect(quick.student).toEqual({ depth: 2, baseFilters: 8, epochs: 40, learningRate: 1e-3 });
    expect([quick.prune.finetuneEpochs, quick.prune.finetuneLearningRate]).toEqual([20, 1e-3]);
    // The other presets keep their own: the cfd study's teacher and fine-tuning rate are not the demo's.
    const cfd = presetConfig('cfd');
    expect(cfd.teacher).toEqual({ depth: 3, baseFilters: 16, epochs: 20, learningRate: 1e-3 });
    expect(cfd.prune.finetuneLearningRate).toBe(3e-4);
  });

  it("defaults the pruning refit to pruneModel's defaults, the thesis preset to the thesis's", () => {
    for (const preset of ['tiny', 'quick', 'cfd'] as const)
      expect(presetConfig(preset).prune, preset).toMatchObject({ ridge: 'auto', holdout: 0.2 });
    expect(presetConfig('thesis').prune).toMatchObject({ ridge: 1e-6, holdout: 0 });
    expect(resolveConfig(options({ preset: 'cfd' }), null).prune).toMatchObject({
      ridge: 'auto',
      holdout: 0.2,
    });
  });

  it('resumes a config.json from before --prune-ridge / --prune-holdout with the refit it ran with', () => {
    // The shape of the CFD study's run directories: the cfd preset, every field but these two.
    const old = resolveConfig(options({ preset: 'cfd' }), null) as unknown as {
      prune: Record<string, unknown>;
    };
    delete old.prune.ridge;
    delete old.prune.holdout;
    const stored = old as unknown as ReturnType<typeof presetConfig>;
    const config = resolveConfig(options({}), stored);
    expect(config.prune.ridge).toBe(1e-6);
    expect(config.prune.holdout).toBe(0);
    expect(config.prune.crackFraction).toBe(0.5);
    expect(withDefaults(stored).prune).toMatchObject({ ridge: 1e-6, holdout: 0 });
    // The stored object itself is not modified (config.json is never rewritten on resume).
    expect('ridge' in old.prune).toBe(false);
    expect(resolveConfig(options({ pruneRidge: '1e-6', pruneHoldout: '0' }), stored).prune).toEqual(
      config.prune,
    );
    expect(() => resolveConfig(options({ pruneRidge: 'auto' }), stored)).toThrow(
      '--prune-ridge "auto" differs from the run directory\'s config.json (0.000001)',
    );
    expect(() => resolveConfig(options({ pruneHoldout: '0.2' }), stored)).toThrow(
      "--prune-holdout 0.2 differs from the run directory's config.json (0)",
    );
    // A stored config that has the fields keeps them.
    const current = resolveConfig(options({ preset: 'cfd', pruneRidge: '0.01' }), null);
    expect(resolveConfig(options({}), current).prune).toMatchObject({ ridge: 0.01, holdout: 0.2 });
  });

  it('parses --prune-ridge and --prune-holdout and names them in errors', () => {
    const parse = (values: Record<string, unknown>) => resolveConfig(options(values), null).prune;
    expect(parse({ pruneRidge: 'auto' }).ridge).toBe('auto');
    expect(parse({ pruneRidge: '1e-6' }).ridge).toBe(1e-6);
    expect(parse({ pruneRidge: '0' }).ridge).toBe(0);
    expect(parse({ pruneRidge: '0.5', pruneHoldout: '0' })).toMatchObject({
      ridge: 0.5,
      holdout: 0,
    });
    expect(parse({ pruneHoldout: '0.9' }).holdout).toBe(0.9);
    for (const bad of ['-1', 'none', '', 'Infinity'])
      expect(() => parse({ pruneRidge: bad })).toThrow(
        `--prune-ridge ${bad} is invalid: expected 'auto' or a number >= 0`,
      );
    for (const bad of ['0.95', '-0.1', 'half'])
      expect(() => parse({ pruneHoldout: bad })).toThrow(
        `--prune-holdout ${bad} is invalid: expected a number in [0, 0.9]`,
      );
  });

  it('documents --prune-ridge and --prune-holdout in --help with their defaults', () => {
    const help = buildProgram()
      .commands.find((command) => command.name() === 'run')
      ?.helpInformation()
      .replace(/\s+/g, ' ');
    expect(help).toContain('--prune-ridge <r>');
    expect(help).toContain("1e-6: the thesis's plain least squares) (quick preset: auto)");
    expect(help).toContain('--prune-holdout <f>');
    expect(help).toContain('(0: fit on all, the thesis) (quick preset: 0.2)');
  });

  it('parses the distillation and pruning variants', () => {
    const config = resolveConfig(
      options({
        distillLoss: 'kd',
        distillTemperature: '3',
        distillMargin: '4',
        distillSpace: 'probability',
        distillWarmup: '2.5',
        pruneCrackFraction: '0.5',
        finetuneTeacher: 'parent',
        pruneParent: 'plain',
      }),
      null,
    );
    expect(config.distill).toMatchObject({
      loss: 'kd',
      temperature: 3,
      margin: 4,
      space: 'probability',
      warmupEpochs: 2.5,
    });
    expect(config.prune).toMatchObject({
      crackFraction: 0.5,
      finetuneTeacher: 'parent',
      parent: 'plain',
    });
    expect(resolveConfig(options({ distillMargin: 'none' }), null).distill.margin).toBeNull();
    expect(() => resolveConfig(options({ distillMargin: '-1' }), null)).toThrow(
      '--distill-margin -1 is invalid: expected a positive number',
    );
    expect(() => resolveConfig(options({ pruneCrackFraction: '2' }), null)).toThrow(
      '--prune-crack-fraction 2 is invalid: expected a number in [0, 1]',
    );
    expect(() => resolveConfig(options({ distillLoss: 'l2' }), null)).toThrow(
      '--distill-loss l2 is invalid: expected one of hinge, kd',
    );
  });

  it('--train-on-all trains on the held-out images too and says the evaluation is in-sample', async () => {
    const config = resolveConfig(options({ preset: 'tiny', trainOnAll: true }), null);
    const split = await loadData(config, () => {});
    expect(split.train.map((sample) => sample.id)).toEqual(
      [...(await loadData(presetConfig('tiny'), () => {})).train, ...split.test].map(
        (sample) => sample.id,
      ),
    );
    expect(split.test).toHaveLength(2);
    expect(split.description).toContain('IN-SAMPLE');
  });
});

describe('report labels', () => {
  it('name the parent of the pruned student', () => {
    const config = presetConfig('quick');
    config.prune.parent = 'distilled';
    expect(modelLabel('prunedFinetuned', config)).toBe('distilled + pruned + fine-tuned');
    expect(modelLabel('studentDistilled', config)).toBe(MODEL_LABELS.studentDistilled);
    config.prune.parent = 'plain';
    expect(modelLabel('pruned', config)).toBe('control + pruned');
    expect(modelLabel('prunedFinetuned', config)).toBe('control + pruned + fine-tuned');
    expect(modelLabel('studentDistilled', config)).toBe(MODEL_LABELS.studentDistilled);
  });
});
