// @crack/data/image: the project's one image codec. Pure JavaScript, no TensorFlow, no Node
// built-ins, so it is safe in browsers and workers. File helpers live in @crack/data/node.
export { convertChannels } from './image/convert-channels.js';
export { type DecodeImageOptions, decodeImage } from './image/decode-image.js';
export type { ChannelCount, DecodedImage } from './image/decoded-image.js';
export { type EncodePngOptions, encodePng } from './image/encode-png.js';
export { ImageDecodeError, type ImageDecodeProblem } from './image/image-decode-error.js';
export {
  type ImageFormat,
  type ImageHeader,
  type ReadImageHeaderOptions,
  readImageHeader,
  sniffImageFormat,
} from './image/read-image-header.js';
