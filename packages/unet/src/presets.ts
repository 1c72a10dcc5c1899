/**
 * The thesis's models as configs for {@link createUnet}, and the rule that derives its
 * same-topology students (thesis section 6.1, Tables 4-1 and 4-2): same blocks, fewer poolings
 * and/or fewer base channels.
 */
import { resolveUnetConfig, UNET_DEFAULTS, type UnetConfig } from './config';

/** The thesis's input size [height, width] (CFD images are 480 wide, 320 high). */
export const THESIS_INPUT_SIZE: readonly [number, number] = Object.freeze([320, 480]) as readonly [
  number,
  number,
];

/**
 * The thesis's teacher: the full U-Net with 4 poolings, 64 base channels and a 3x3 head
 * (31,032,257 parameters with biases). Input size is free; add `inputSize: THESIS_INPUT_SIZE`
 * to fix it. Use as `createUnet({ ...thesisTeacher, seed: 1 })`.
 */
export const thesisTeacher: Readonly<UnetConfig> = Object.freeze({
  depth: 4,
  baseFilters: 64,
  inputChannels: 3,
  block: 'standard',
  upsampling: 'transpose',
  headKernel: 3,
});

/**
 * The thesis's chosen student: 2 poolings, 8 base channels, 3x3 head (29,529 parameters with
 * biases, about 1000x fewer than the teacher).
 */
export const thesisStudent: Readonly<UnetConfig> = Object.freeze({
  ...thesisTeacher,
  depth: 2,
  baseFilters: 8,
});

/** Options of {@link sameTopologyStudent}: the student's size. Give at least one field. */
export interface SameTopologyStudentOptions {
  /** Poolings of the student, at most the teacher's. Default: the teacher's. */
  depth?: number;
  /** Base channels of the student, at most the teacher's. Default: the teacher's. */
  baseFilters?: number;
}

/**
 * A student config of the same topology as `teacher`: every field copied (block, batch norm,
 * upsampling, head, input, dropout, seed), with fewer poolings and/or base channels. The name is
 * the teacher's with `_student` appended.
 *
 * @throws Error if neither field is given, or if the student would be larger than the teacher.
 */
export function sameTopologyStudent(
  teacher: UnetConfig,
  options: SameTopologyStudentOptions,
): UnetConfig {
  const caller = 'sameTopologyStudent';
  const parent = resolveUnetConfig(teacher, caller);
  if (options == null || (options.depth === undefined && options.baseFilters === undefined)) {
    throw new TypeError(`${caller}: give options.depth and/or options.baseFilters`);
  }
  const { depth = parent.depth, baseFilters = parent.baseFilters } = options;
  if (!(depth <= parent.depth)) {
    throw new RangeError(
      `${caller}: depth must be at most the teacher's ${parent.depth}, got ${depth}`,
    );
  }
  if (!(baseFilters <= parent.baseFilters)) {
    throw new RangeError(
      `${caller}: baseFilters must be at most the teacher's ${parent.baseFilters}, got ${baseFilters}`,
    );
  }
  const student: UnetConfig = {
    ...parent,
    depth,
    baseFilters,
    name: `${parent.name ?? UNET_DEFAULTS.name}_student`,
  };
  if (student.seed === undefined) delete student.seed;
  resolveUnetConfig(student, caller);
  return student;
}

/**
 * A U-Net decoder on a ResNet-50 encoder: bottleneck blocks in Keras's stage layout
 * [3, 4, 6, 3], 64 stem channels, depth 4; the stages load converted Keras ImageNet ResNet50
 * weights by name (see {@link loadEncoderWeights}). About 32.6 M parameters; give `classes` for
 * multi-class segmentation.
 */
export const resnet50Unet: Readonly<UnetConfig> = Object.freeze({
  encoder: 'resnet',
  resnetBlock: 'bottleneck',
  encoderBlocks: Object.freeze([3, 4, 6, 3]),
  depth: 4,
  baseFilters: 64,
});

/**
 * A U-Net decoder on a MobileNetV2 encoder at width 1.0 (baseFilters 32 = Keras alpha 1),
 * depth 4: every encoder layer has Keras's name and shape.
 */
export const mobileNetV2Unet: Readonly<UnetConfig> = Object.freeze({
  encoder: 'mobilenetv2',
  depth: 4,
  baseFilters: 32,
});
