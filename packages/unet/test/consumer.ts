// What a user of @crack/unet writes: type-checked by the consumer check (node16 ESM and CJS,
// bundler), never run.
import {
  createUnet,
  encoderLayerName,
  predictProbabilities,
  type ResolvedUnetConfig,
  readUnetConfig,
  sameTopologyStudent,
  THESIS_INPUT_SIZE,
  thesisStudent,
  thesisTeacher,
  type UnetConfig,
  unetLayerNames,
} from '@crack/unet';
import { nodeFileSystem } from '@crack/unet/node';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

const teacherConfig: UnetConfig = { ...thesisTeacher, inputSize: THESIS_INPUT_SIZE, seed: 1 };
const studentConfig: UnetConfig = sameTopologyStudent(teacherConfig, { depth: 2, baseFilters: 8 });
const names: string[] = unetLayerNames(studentConfig);
const firstConv: string = encoderLayerName(1, 'conv1');

export function buildStudent(): LayersModel {
  return createUnet({ ...thesisStudent, seed: 42 });
}

export function crackProbabilities(model: LayersModel, images: Tensor4D): Tensor4D {
  return predictProbabilities(model, images);
}

export function depthOf(model: LayersModel): number | undefined {
  const config: ResolvedUnetConfig | null = readUnetConfig(model);
  return config?.depth;
}

export function saveTo(model: LayersModel, directory: string): Promise<unknown> {
  return model.save(nodeFileSystem(directory));
}

export const summary = `${names.length} layers, first ${firstConv}`;
