export {
  type BlockContext,
  concatenateSkip,
  dropout,
  levelConvolutions,
  logitHead,
  maxPool,
  upsample,
} from './blocks';
export {
  type ResolvedUnetConfig,
  resolveUnetConfig,
  UNET_DEFAULTS,
  UNET_LIMITS,
  type UnetBlock,
  type UnetConfig,
  type UnetUpsampling,
} from './config';
export { createUnet } from './create-unet';
export {
  type HeNormalOptions,
  heNormal,
  heStandardDeviation,
  layerSeed,
  type WeightInitializer,
} from './init';
export { readUnetConfig, UNET_METADATA_KEY } from './metadata';
export {
  bottleneckLayerName,
  decoderLayerName,
  encoderLayerName,
  parseUnetLayerName,
  UNET_HEAD_NAME,
  UNET_INPUT_NAME,
  type UnetBottleneckRole,
  type UnetConvRole,
  type UnetDecoderRole,
  type UnetEncoderRole,
  type UnetLayerName,
  unetLayerNames,
} from './naming';
export {
  type SameTopologyStudentOptions,
  sameTopologyStudent,
  THESIS_INPUT_SIZE,
  thesisStudent,
  thesisTeacher,
} from './presets';
export { logitsToProbabilities, predictProbabilities } from './probabilities';
