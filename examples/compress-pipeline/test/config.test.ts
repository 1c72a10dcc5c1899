/** Flags to config: presets, overrides, validation messages that name the flag, and run-directory config locking. */
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/presets';
import { type ParsedOptions, resolveConfig } from '../src/resolve-config';

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
      '--student-filters 32 exceeds --teacher-filters 16',
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
});
