import { dispose, getBackend, io, type NamedTensorMap } from '@tensorflow/tfjs-core';
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import { chooseEngine } from '../engine/choose-engine';
import { type EngineChoice, INFERENCE_ENGINES } from '../engine/engine-choice';
import { createOnnxRunner, type OnnxRunner } from '../engine/onnx-runner';
import { effectiveTiles, type PhaseClock, segmentFull } from './full-mode';
import { readModelGeometry } from './model-geometry';
import { runModel } from './run-model';
import { THESIS_SIZE, thesisCrop } from './thesis-crop';
import { thesisModelInput, thesisToPhoto } from './thesis-mode';
import { toPixelImage } from './to-pixel-image';
import {
  type ModelGeometry,
  type PixelImage,
  SEGMENT_MODES,
  type Segmenter,
  type SegmenterOptions,
  type SegmentInput,
  type SegmentMode,
  type SegmentOptions,
  type SegmentResult,
} from './types';

/** Where {@link loadSegmenter} gets its model. */
export type SegmenterSource = string | LayersModel | io.IOHandler;

/** Defaults of {@link SegmenterOptions}. */
export const SEGMENTER_DEFAULTS: Readonly<Required<SegmenterOptions>> = Object.freeze({
  mode: 'full',
  threshold: 0.5,
  tileSize: 512,
  tileOverlap: 64,
  warmup: true,
  output: 'auto',
  engine: 'auto',
  engineThreads: 'auto',
});

/**
 * Loads a crack-segmentation model and returns a {@link Segmenter}: one call turns a photo
 * into crack probabilities and a mask at the photo's own size, in the thesis's preprocessing
 * (`mode: 'thesis'`) or at full resolution in seamless tiles (`mode: 'full'`, the default).
 *
 * `source` is a tfjs-layers model (model.json + weights) given by URL, a `tf.io.IOHandler`, or
 * a `tf.LayersModel` already in memory (which stays the caller's: `dispose()` does not free it).
 * File paths work through `loadSegmenter` of `@crack/runtime/node`. The model must map
 * [batch, height, width, 1 or 3] images normalised to [-1, 1] to one logit (or probability)
 * per pixel; its size granularity is read from @crack/unet's metadata or its pooling layers.
 * Unless `warmup: false`, the model runs once on a blank tile before this resolves.
 *
 * @example
 * const segmenter = await loadSegmenter('https://example.com/student/model.json');
 * const { mask, probabilities, timings } = await segmenter.segment(imageElement);
 * segmenter.dispose();
 */
export async function loadSegmenter(
  source: SegmenterSource,
  options: SegmenterOptions = {},
): Promise<Segmenter> {
  const settings = resolveSegmenterOptions(options, 'loadSegmenter');
  const { model, owned } = await loadModel(source, 'loadSegmenter');
  return createSegmenter(model, settings, { ownsModel: owned, resolveInput: toPixelImage });
}

/** Checks {@link SegmenterOptions} and fills in the defaults. */
export function resolveSegmenterOptions(
  options: SegmenterOptions,
  caller: string,
): Required<SegmenterOptions> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${caller}: options must be an object, got ${String(options)}`);
  }
  const settings = { ...SEGMENTER_DEFAULTS, ...withoutUndefined(options) };
  assertMode(settings.mode, `${caller}: options.mode`);
  assertThreshold(settings.threshold, `${caller}: options.threshold`);
  if (!Number.isInteger(settings.tileSize) || settings.tileSize < 16 || settings.tileSize > 8192) {
    throw new RangeError(
      `${caller}: options.tileSize must be an integer in [16, 8192], got ${settings.tileSize}`,
    );
  }
  if (
    !Number.isInteger(settings.tileOverlap) ||
    settings.tileOverlap < 0 ||
    settings.tileOverlap > settings.tileSize / 2
  ) {
    throw new RangeError(
      `${caller}: options.tileOverlap must be an integer in [0, tileSize / 2 = ${settings.tileSize / 2}], got ${settings.tileOverlap}`,
    );
  }
  if (typeof settings.warmup !== 'boolean') {
    throw new TypeError(`${caller}: options.warmup must be a boolean, got ${settings.warmup}`);
  }
  if (settings.engine !== 'auto' && !INFERENCE_ENGINES.includes(settings.engine)) {
    throw new RangeError(
      `${caller}: options.engine must be 'auto', 'onnxruntime' or 'tfjs', got '${String(settings.engine)}'`,
    );
  }
  const threads = settings.engineThreads;
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new RangeError(
      `${caller}: options.engineThreads must be 'auto' or an integer in [1, 256], got ${String(threads)}`,
    );
  }
  if (!['auto', 'logits', 'probabilities'].includes(settings.output)) {
    throw new RangeError(
      `${caller}: options.output must be 'auto', 'logits' or 'probabilities', got '${settings.output}'`,
    );
  }
  return settings;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function assertMode(mode: unknown, what: string): asserts mode is SegmentMode {
  if (!SEGMENT_MODES.includes(mode as SegmentMode)) {
    throw new RangeError(`${what} must be 'full' or 'thesis', got '${String(mode)}'`);
  }
}

function assertThreshold(threshold: unknown, what: string): asserts threshold is number {
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new RangeError(`${what} must be a number in [0, 1], got ${String(threshold)}`);
  }
}

function isLayersModel(source: unknown): source is LayersModel {
  const candidate = source as Partial<LayersModel> | null;
  return (
    candidate != null &&
    typeof candidate === 'object' &&
    typeof candidate.predict === 'function' &&
    Array.isArray(candidate.layers) &&
    Array.isArray(candidate.inputs)
  );
}

/**
 * `loadLayersModel` without its leak: tfjs-layers builds the model (allocating every weight) and
 * decodes the weights file before it checks that they fit, and on a mismatch drops both, leaking
 * their tensors on every failed attempt (36 per load, issue 17). Here the topology is loaded on
 * its own, the weights are decoded and set in one place, and both are freed on failure.
 */
async function loadWithoutLeaks(source: string | io.IOHandler): Promise<LayersModel> {
  const handler =
    typeof source === 'string'
      ? (io.getLoadHandlers(source)[0] ?? io.http(source))
      : (source as io.IOHandler);
  if (typeof handler.load !== 'function') throw new Error('the IOHandler has no load method');
  const artifacts = await handler.load();
  const { weightData, weightSpecs, ...topology } = artifacts;
  const model = await loadLayersModel(io.fromMemory(topology));
  if (weightData === undefined || weightSpecs === undefined) return model;
  let decoded: NamedTensorMap = {};
  try {
    decoded = io.decodeWeights(weightData, weightSpecs);
    const optimizer = new Set(
      weightSpecs.filter((spec) => spec.group === 'optimizer').map((spec) => spec.name),
    );
    const modelWeights: NamedTensorMap = {};
    for (const [name, tensor] of Object.entries(decoded))
      if (!optimizer.has(name)) modelWeights[name] = tensor;
    model.loadWeights(modelWeights, true);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    dispose(Object.values(decoded));
  }
}

/** Loads `source` as a LayersModel; `owned` says whether the segmenter should free it. */
export async function loadModel(
  source: SegmenterSource,
  caller: string,
): Promise<{ model: LayersModel; owned: boolean }> {
  if (isLayersModel(source)) return { model: source, owned: false };
  if (typeof source === 'string') {
    if (source.trim() === '') throw new TypeError(`${caller}: the model URL is empty`);
    try {
      return { model: await loadWithoutLeaks(source), owned: true };
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      const hint = /Cannot find any (model )?(save|load)/i.test(message)
        ? ' (in Node, file paths need loadSegmenter from @crack/runtime/node)'
        : '';
      throw new Error(`${caller}: cannot load the model from ${source}: ${message}${hint}`, {
        cause: error,
      });
    }
  }
  if (source != null && typeof source === 'object' && typeof source.load === 'function') {
    try {
      return { model: await loadWithoutLeaks(source), owned: true };
    } catch (error) {
      throw new Error(
        `${caller}: cannot load the model: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
  }
  throw new TypeError(
    `${caller}: source must be a model.json URL, a tf.io.IOHandler or a tf.LayersModel, got ${
      source === null ? 'null' : typeof source
    }`,
  );
}

/** How {@link createSegmenter} gets pixels and who owns the model. */
export interface CreateSegmenterContext<Input> {
  /** Whether `dispose()` frees the model. */
  ownsModel: boolean;
  /** Turns an input into pixels (the Node entry adds paths and encoded bytes). */
  resolveInput: (input: Input, caller: string) => Promise<PixelImage>;
}

/** Builds a {@link Segmenter} around a loaded model; shared by both entry points. */
export async function createSegmenter<Input = SegmentInput>(
  model: LayersModel,
  settings: Required<SegmenterOptions>,
  context: CreateSegmenterContext<Input>,
): Promise<Segmenter<Input>> {
  let geometry: ModelGeometry;
  try {
    geometry = readModelGeometry(model, settings.output);
  } catch (error) {
    if (context.ownsModel) model.dispose();
    throw error;
  }
  let engine: EngineChoice;
  let onnx: OnnxRunner | null = null;
  try {
    ({ engine, onnx } = await startEngine(model, geometry, settings));
  } catch (error) {
    if (context.ownsModel) model.dispose();
    throw error;
  }
  const run = onnx
    ? onnx.run
    : (tile: Float32Array, height: number, width: number) =>
        runModel(model, geometry, tile, height, width);
  let disposed = false;

  async function segment(input: Input, options: SegmentOptions = {}): Promise<SegmentResult> {
    const started = performance.now();
    if (disposed) throw new Error('segment: this segmenter has been disposed');
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`segment: options must be an object, got ${String(options)}`);
    }
    const mode = options.mode ?? settings.mode;
    const threshold = options.threshold ?? settings.threshold;
    assertMode(mode, 'segment: options.mode');
    assertThreshold(threshold, 'segment: options.threshold');
    if (mode === 'thesis') assertThesisCompatible(geometry, 'segment');

    const clock: PhaseClock = { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0 };
    const image = await context.resolveInput(input, 'segment');
    clock.preprocessMs += performance.now() - started;
    let probabilities: Float32Array;
    if (mode === 'thesis') {
      let start = performance.now();
      const crop = thesisCrop(image.width, image.height);
      const modelInput = thesisModelInput(image, crop, geometry.channels);
      clock.preprocessMs += performance.now() - start;
      start = performance.now();
      const modelOutput = await run(modelInput, THESIS_SIZE.height, THESIS_SIZE.width);
      clock.inferenceMs += performance.now() - start;
      start = performance.now();
      probabilities = thesisToPhoto(modelOutput, crop, image.width, image.height);
      clock.postprocessMs += performance.now() - start;
    } else {
      probabilities = await segmentFull(image, geometry, settings, run, clock);
    }

    const start = performance.now();
    const mask = new Uint8Array(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) {
      mask[i] = (probabilities[i] as number) >= threshold ? 1 : 0;
    }
    clock.postprocessMs += performance.now() - start;
    return {
      width: image.width,
      height: image.height,
      probabilities,
      mask,
      threshold,
      mode,
      timings: { ...clock, totalMs: performance.now() - started },
      backend: getBackend(),
      engine: engine.engine,
    };
  }

  if (settings.warmup) {
    try {
      if (settings.mode === 'thesis') assertThesisCompatible(geometry, 'loadSegmenter');
      const [height, width] =
        settings.mode === 'thesis'
          ? [THESIS_SIZE.height, THESIS_SIZE.width]
          : warmupTile(settings, geometry);
      await run(new Float32Array(height * width * geometry.channels), height, width);
    } catch (error) {
      releaseOnnx(onnx);
      if (context.ownsModel) model.dispose();
      throw error;
    }
  }

  return {
    segment,
    dispose() {
      if (disposed) return;
      disposed = true;
      releaseOnnx(onnx);
      if (context.ownsModel) model.dispose();
    },
    model,
    geometry,
    options: Object.freeze({ ...settings }),
    engine,
  };
}

/**
 * Chooses the engine (see {@link SegmenterOptions.engine}) and, for onnxruntime, exports the model
 * and opens its session. Falls back to tfjs when onnxruntime-node is missing or the model does
 * not export; warns when onnxruntime was asked for by name.
 */
async function startEngine(
  model: LayersModel,
  geometry: ModelGeometry,
  settings: Required<SegmenterOptions>,
): Promise<{ engine: EngineChoice; onnx: OnnxRunner | null }> {
  const resolved = await chooseEngine(settings.engine, 'loadSegmenter');
  let engine = resolved.choice;
  if (resolved.onnxruntime) {
    try {
      const onnx = await createOnnxRunner(resolved.onnxruntime, model, geometry, {
        threads: settings.engineThreads,
      });
      return { engine, onnx };
    } catch (error) {
      const why = String((error as Error)?.message ?? error).split('\n')[0];
      engine = {
        engine: 'tfjs',
        reason: `${engine.reason}; the model cannot run on it (${why}); tfjs`,
      };
    }
  }
  if (resolved.requested && engine.engine === 'tfjs') {
    console.warn(`@crack/runtime: engine onnxruntime unavailable, using tfjs (${engine.reason})`);
  }
  return { engine, onnx: null };
}

function releaseOnnx(onnx: OnnxRunner | null): void {
  // Nothing to wait for: the session's native memory is freed in the background.
  onnx?.release().catch(() => {});
}

function warmupTile(
  settings: Required<SegmenterOptions>,
  geometry: ModelGeometry,
): [number, number] {
  if (geometry.fixedSize) return [geometry.fixedSize[0], geometry.fixedSize[1]];
  const { tile } = effectiveTiles(settings, geometry);
  return [tile, tile];
}

function assertThesisCompatible(geometry: ModelGeometry, caller: string): void {
  const { width, height } = THESIS_SIZE;
  const { fixedSize, divisor } = geometry;
  if (fixedSize && (fixedSize[0] !== height || fixedSize[1] !== width)) {
    throw new Error(
      `${caller}: mode 'thesis' feeds 480x320 images, but the model's input is fixed at ${fixedSize[1]}x${fixedSize[0]}`,
    );
  }
  if (width % divisor !== 0 || height % divisor !== 0) {
    throw new Error(
      `${caller}: mode 'thesis' feeds 480x320 images, which the model's size granularity ${divisor} does not divide`,
    );
  }
}
