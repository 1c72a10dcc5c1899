/**
 * The app's only contact with the @crack/runtime Segmenter API. Everything else imports from
 * here, so following a change of that API is a one-file edit. No DOM access at import time:
 * the e2e test imports this module in Node to compute its reference result.
 */
export {
  type CrackMeasurements,
  loadSegmenter,
  maskToImage,
  measureCracks,
  type PixelImage,
  renderOverlay,
  type Segmenter,
  type SegmentMode,
  type SegmentResult,
} from '@crack/runtime';
