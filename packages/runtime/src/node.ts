// @crack/runtime/node: everything of @crack/runtime, plus what needs Node's file system: a
// loadSegmenter that also takes model paths, image paths and encoded bytes, and PNG writers.
// Kept out of the main entry so browser bundles of @crack/runtime never pull node: built-ins.

export { checkWritableFile, checkWritableFolder } from './cli/check-writable';
export { type ExpandedInputs, expandInputs } from './cli/expand-inputs';
export * from './index';
export { loadSegmenter } from './io/load-node-segmenter';
export { nodeModelSource } from './io/node-model-source';
export { type NodeSegmentInput, readNodeInput } from './io/read-node-input';
export {
  type PhotoOutputOptions,
  type PhotoOutputSet,
  type PhotoOutputs,
  type PhotoReport,
  photoOutputPaths,
  type SegmentToFilesOptions,
  segmentPhotoOutputs,
  segmentToFiles,
} from './io/segment-to-files';
export { type OutputFile, type WriteOutputSetOptions, writeOutputSet } from './io/write-output-set';
export { writeMaskPng, writeOverlayPng } from './io/write-result-png';
