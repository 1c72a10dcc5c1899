import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUnet,
  resolveUnetConfig,
  sameTopologyStudent,
  THESIS_INPUT_SIZE,
  thesisStudent,
  thesisTeacher,
} from '../src/index';
import { useCpu } from './helpers';

beforeAll(useCpu);

describe('presets', () => {
  it('describe the thesis teacher and student', () => {
    expect(resolveUnetConfig(thesisTeacher)).toMatchObject({
      depth: 4,
      baseFilters: 64,
      headKernel: 3,
    });
    expect(resolveUnetConfig(thesisStudent)).toMatchObject({
      depth: 2,
      baseFilters: 8,
      headKernel: 3,
    });
    expect(THESIS_INPUT_SIZE).toEqual([320, 480]);
    expect(Object.isFrozen(thesisTeacher) && Object.isFrozen(thesisStudent)).toBe(true);
  });

  it('the thesis student has 29,529 parameters (section 9)', () => {
    const model = createUnet({ ...thesisStudent, inputSize: THESIS_INPUT_SIZE, seed: 1 });
    expect(model.countParams()).toBe(29529);
    model.dispose();
  });
});

describe('sameTopologyStudent', () => {
  const teacher = {
    ...thesisTeacher,
    block: 'separable',
    upsampling: 'bilinear',
    batchNorm: true,
    inputSize: [320, 480],
    dropout: 0.5,
    seed: 9,
    name: 'teacher',
  } as const;

  it('keeps the topology and changes only depth and width', () => {
    expect(sameTopologyStudent(teacher, { depth: 2, baseFilters: 8 })).toEqual({
      ...resolveUnetConfig(teacher),
      depth: 2,
      baseFilters: 8,
      name: 'teacher_student',
    });
    expect(sameTopologyStudent(thesisTeacher, { baseFilters: 16 })).toMatchObject({
      depth: 4,
      baseFilters: 16,
      name: 'unet_student',
    });
    expect(sameTopologyStudent(thesisTeacher, { depth: 3 })).not.toHaveProperty('seed');
  });

  it('rejects a student that is not smaller, or no size at all', () => {
    expect(() => sameTopologyStudent(teacher, {})).toThrow(
      'sameTopologyStudent: give options.depth and/or options.baseFilters',
    );
    expect(() => sameTopologyStudent(teacher, { depth: 5 })).toThrow(
      "sameTopologyStudent: depth must be at most the teacher's 4, got 5",
    );
    expect(() => sameTopologyStudent(teacher, { baseFilters: 128 })).toThrow(
      "sameTopologyStudent: baseFilters must be at most the teacher's 64, got 128",
    );
    expect(() => sameTopologyStudent(teacher, { baseFilters: 0 })).toThrow(
      'sameTopologyStudent: baseFilters must be an integer in [1, 1024], got 0',
    );
    expect(() => sameTopologyStudent({ ...teacher, depth: 9 }, { depth: 2 })).toThrow(
      'sameTopologyStudent: depth must be an integer in [1, 6], got 9',
    );
  });
});
