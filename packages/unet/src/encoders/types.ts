import type { SymbolicTensor } from '@tensorflow/tfjs-layers';

/** What an encoder hands the U-Net decoder. */
export interface EncoderFeatures {
  /** Skip features of levels 1..depth; level i is at 1/2^(i-1) of the input size. */
  skips: SymbolicTensor[];
  /** The deepest features, at 1/2^depth of the input size. */
  bottleneck: SymbolicTensor;
}
