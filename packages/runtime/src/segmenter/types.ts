import type { Tensor3D } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { EngineChoice, InferenceEngine } from '../engine/engine-choice';

/**
 * 8-bit pixels in memory: row-major, channels interleaved, `data.length === width * height *
 * channels`. 1 (gray), 3 (RGB) and 4 (RGBA, alpha ignored) channels are accepted; values are
 * 0-255 (a `Float32Array` holds the same 0-255 scale). The shape of `@crack/data`'s
 * `DecodedImage` and, with `channels: 4`, of a canvas `ImageData`.
 */
export interface PixelImage {
  /** Pixel values 0-255, row-major, channels interleaved. */
  data: Uint8Array | Uint8ClampedArray | Float32Array;
  /** Width in pixels (a positive integer). */
  width: number;
  /** Height in pixels (a positive integer). */
  height: number;
  /** Values per pixel: 1 (gray), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

/**
 * Browser image sources, read through a canvas (or `tf.browser.fromPixels`). Declared
 * structurally so the types also compile where the DOM library is absent.
 */
export type BrowserImageSource =
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | ImageBitmap
  | ImageData
  | OffscreenCanvas;

/**
 * What {@link Segmenter.segment} accepts everywhere: pixels in memory, a `tf.Tensor3D`
 * [height, width, channels] of 0-255 values, or (in browsers) an image, bitmap, canvas, video
 * frame or `ImageData`. `@crack/runtime/node` adds file paths and encoded bytes.
 */
export type SegmentInput = PixelImage | Tensor3D | BrowserImageSource;

/**
 * How a photo reaches the model.
 * - `'full'` (default): the whole photo at its own resolution, in overlapping tiles blended
 *   without seams; the output has one probability per photo pixel.
 * - `'thesis'`: the thesis's phone preprocessing (section 7): portrait photos rotated 90°
 *   clockwise, centre-cropped to 3:2, resized to 480x320; the result is mapped back onto the
 *   photo, and pixels outside the crop get probability 0.
 */
export type SegmentMode = 'full' | 'thesis';

/** Every {@link SegmentMode}. */
export const SEGMENT_MODES: readonly SegmentMode[] = ['full', 'thesis'];

/** Wall-clock milliseconds of one {@link Segmenter.segment} call, by phase. */
export interface SegmentTimings {
  /** Reading the input, cropping/resizing (thesis) or cutting tiles (full), normalising. */
  preprocessMs: number;
  /** Running the model and downloading its output (all tiles together). */
  inferenceMs: number;
  /** Blending tiles or mapping back to the photo, thresholding. */
  postprocessMs: number;
  /** The whole call. */
  totalMs: number;
}

/** The result of {@link Segmenter.segment}, at the input photo's size and orientation. */
export interface SegmentResult {
  /** Width of the input photo in pixels. */
  width: number;
  /** Height of the input photo in pixels. */
  height: number;
  /** Crack probability per pixel in [0, 1], row-major, length `width * height`. */
  probabilities: Float32Array;
  /** 1 where `probabilities >= threshold`, else 0; row-major, length `width * height`. */
  mask: Uint8Array;
  /** The threshold the mask was made with. */
  threshold: number;
  /** The preprocessing used. */
  mode: SegmentMode;
  /** Time per phase. */
  timings: SegmentTimings;
  /**
   * The TensorFlow.js backend (`tf.getBackend()`), e.g. 'wasm': the model ran on it when
   * `engine` is 'tfjs'.
   */
  backend: string;
  /** What ran the model: 'tfjs' (on `backend`) or 'onnxruntime' (onnxruntime-node). */
  engine: InferenceEngine;
}

/** Per-call options of {@link Segmenter.segment}; defaults come from {@link SegmenterOptions}. */
export interface SegmentOptions {
  /** Preprocessing for this call. Default: the segmenter's `mode`. */
  mode?: SegmentMode;
  /** Probability at or above which a pixel is crack, in [0, 1]. Default: the segmenter's. */
  threshold?: number;
}

/** Options of {@link loadSegmenter}. */
export interface SegmenterOptions {
  /** Default preprocessing of {@link Segmenter.segment}. Default 'full'. */
  mode?: SegmentMode;
  /** Default threshold of the mask, in [0, 1]. Default 0.5. */
  threshold?: number;
  /**
   * Tile side in 'full' mode, in pixels; rounded up to the model's size granularity
   * (2^poolings). Default 512. Larger tiles are a little faster and need more memory
   * (the model's activations for one tile). Ignored for models with a fixed input size, whose
   * tiles are that size.
   */
  tileSize?: number;
  /**
   * Overlap of neighbouring tiles in 'full' mode, in pixels; rounded up to the size
   * granularity, and less than half the tile. Default 64: in every overlap the outer quarter
   * (16 px) of each tile is discarded and the middle half is a linear cross-fade.
   */
  tileOverlap?: number;
  /**
   * Run the model once on a blank tile when loading, so the first photo is not slowed by
   * kernel set-up (shader compilation on WebGL). Default true.
   */
  warmup?: boolean;
  /**
   * What the model outputs: 'logits' (the project's convention, a sigmoid is applied),
   * 'probabilities' (already in [0, 1]), or 'auto' (default): probabilities when the last
   * layer's activation is 'sigmoid', else logits.
   */
  output?: 'auto' | 'logits' | 'probabilities';
  /**
   * What runs the model. 'auto' (default): 'onnxruntime' when the optional peer
   * `onnxruntime-node` is installed (Node only) and the model exports to ONNX, else 'tfjs'.
   * 'onnxruntime': the model exported by @crack/export, run by onnxruntime-node (same masks as
   * tfjs within float rounding, several times faster on wasm's CPUs); if it cannot be used, the
   * segmenter falls back to tfjs, says why in {@link Segmenter.engine} and warns.
   * 'tfjs': the model as loaded, on the active TensorFlow.js backend. The environment variable
   * `CRACK_ENGINE` (auto | tfjs | onnxruntime) overrides this.
   */
  engine?: InferenceEngine | 'auto';
  /**
   * Threads the onnxruntime engine computes one tile with (its intra-op thread pool, the
   * calling thread included): an integer in [1, 256], or 'auto' (default): onnxruntime's own
   * choice, one per physical core, the fastest for one process alone on a machine. Several
   * processes segmenting on one machine should share the cores instead (`@crack/batch` gives
   * each of N worker processes cores / N): with one thread per core in every process, each
   * oversubscribes the cores and the pool threads spin-wait for one another. Ignored by the
   * tfjs engine (the wasm backend's threads are `initBackend`'s `threads`).
   */
  engineThreads?: number | 'auto';
}

/** What a segmenter knows about its model's input. */
export interface ModelGeometry {
  /** Height and width must be multiples of this (2^poolings). */
  divisor: number;
  /** Channels the model reads: 1 (gray) or 3 (RGB). */
  channels: number;
  /** Fixed [height, width] of the model's input, or null if any multiple of `divisor` works. */
  fixedSize: readonly [number, number] | null;
  /** Whether the model's output is already a probability (else logits). */
  outputsProbabilities: boolean;
  /** Where `divisor` came from: @crack/unet's metadata, or the strides of the model's layers. */
  divisorSource: 'unet-metadata' | 'layers';
}

/**
 * A loaded model ready to segment photos: one verb, {@link Segmenter.segment}, and
 * {@link Segmenter.dispose}. Made by {@link loadSegmenter}.
 */
export interface Segmenter<Input = SegmentInput> {
  /** Segments one photo. The result has the photo's size; no tensors outlive the call. */
  segment(input: Input, options?: SegmentOptions): Promise<SegmentResult>;
  /** Frees the model's weights (if the segmenter loaded the model) and refuses further calls. */
  dispose(): void;
  /** The model being run. */
  readonly model: LayersModel;
  /** Size granularity, channels and output kind of the model. */
  readonly geometry: ModelGeometry;
  /** The resolved default options. */
  readonly options: Readonly<Required<SegmenterOptions>>;
  /** The engine that runs the model, and why it was chosen (see {@link SegmenterOptions.engine}). */
  readonly engine: EngineChoice;
}
