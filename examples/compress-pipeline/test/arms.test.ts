// The reproduction's arms as configurations: an arm that branches from another arm's finished
// run reuses that run's students, so both must train the same students.
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../src/presets';
import { ARMS } from '../src/reproduce';

const changed = (name: string) => {
  const config = presetConfig('cfd');
  (ARMS.find((arm) => arm.name === name) as (typeof ARMS)[number]).change(config);
  return config;
};

describe('reproduce arms', () => {
  it('every branching arm trains the teacher and students of the arm it branches from', () => {
    const branching = ARMS.filter((arm) => arm.from != null);
    expect(branching.map((arm) => arm.name)).toEqual([
      'prune-control-double-epochs',
      'prune-control-quad-epochs',
    ]);
    for (const arm of branching) {
      expect(ARMS.some((other) => other.name === arm.from)).toBe(true);
      const [own, parent] = [changed(arm.name), changed(arm.from as string)];
      expect(own.student).toEqual(parent.student);
      expect(own.teacher).toEqual(parent.teacher);
      expect(own.training).toEqual(parent.training);
    }
  });

  it('the no-augmentation pair: the same students at twice the epochs, without augmentation', () => {
    const base = presetConfig('cfd');
    const [control, distilled, doubled] = [
      changed('control-no-augment'),
      changed('distill-no-augment'),
      changed('distill-no-augment-weight-2'),
    ];
    for (const config of [control, distilled, doubled]) {
      expect(config.training).toEqual({ ...base.training, augment: false });
      expect(config.student).toEqual({ ...base.student, epochs: 2 * base.student.epochs });
      expect(config.teacher).toEqual(base.teacher);
    }
    // Paired with its own control: the distilled arm trains only the distilled student, the
    // control arm only the control, both from the base run's teacher.
    const arm = (name: string) => ARMS.find((a) => a.name === name) as (typeof ARMS)[number];
    expect(arm('control-no-augment').stages).toEqual(['train-student-plain', 'evaluate', 'report']);
    expect(arm('distill-no-augment').stages).toEqual([
      'train-student-distilled',
      'evaluate',
      'report',
    ]);
    expect(distilled.distill).toMatchObject({
      loss: 'hinge',
      alpha: 1,
      beta: 1,
      space: 'probability',
      softWeight: 1,
    });
    // The weight-2 arm differs from the distilled one in the weight alone.
    expect(doubled.distill).toEqual({ ...distilled.distill, softWeight: 2 });
    expect(arm('distill-no-augment-weight-2').stages).toEqual(arm('distill-no-augment').stages);
  });

  it('prune-control-quad-epochs: the 80-epoch control pruned and fine-tuned 4x towards itself', () => {
    const base = presetConfig('cfd');
    const config = changed('prune-control-quad-epochs');
    expect(config.student.epochs).toBe(4 * base.student.epochs);
    expect(config.prune.finetuneEpochs).toBe(4 * base.prune.finetuneEpochs);
    expect(config.prune.parent).toBe('plain');
    expect(config.prune.finetuneTeacher).toBe('parent');
    expect(config.prune.ratio).toBe(base.prune.ratio);
  });
});
