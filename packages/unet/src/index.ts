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
  type ResnetBlock,
  type ResolvedUnetConfig,
  resolveUnetConfig,
  UNET_BLOCKS,
  UNET_DEFAULTS,
  UNET_LIMITS,
  type UnetBlock,
  type UnetConfig,
  type UnetEncoder,
  type UnetUpsampling,
} from './config';
export { createUnet } from './create-unet';
export { type MobileNetV2BlockPlan, makeDivisible, mobileNetV2Plan } from './encoders/mobilenetv2';
export { resnetStageBlocks } from './encoders/resnet';
export {
  type HeNormalOptions,
  heNormal,
  heStandardDeviation,
  layerSeed,
  type WeightInitializer,
} from './init';
export { ChannelShuffle, type ChannelShuffleArgs } from './layers/channel-shuffle';
export {
  blockDiagonalKernel,
  GroupedConv2D,
  type GroupedConv2DArgs,
  type GroupedConvImplementation,
} from './layers/grouped-conv2d';
export { fireWidths } from './level-blocks/fire';
export { shuffleBottleneck } from './level-blocks/shuffle';
export {
  type LoadEncoderWeightsOptions,
  type LoadEncoderWeightsReport,
  loadEncoderWeights,
} from './load-encoder-weights';
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
  mobileNetV2Unet,
  resnet50Unet,
  type SameTopologyStudentOptions,
  sameTopologyStudent,
  THESIS_INPUT_SIZE,
  thesisStudent,
  thesisTeacher,
} from './presets';
export { logitsToProbabilities, predictProbabilities } from './probabilities';
