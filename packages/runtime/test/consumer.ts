// What a consumer writes with @crack/runtime's main exports, the Segmenter and the Node entry.
// Type-checked by the consumer check (node16 .mts/.cts and bundler); never run.
import {
  BACKEND_NAMES,
  type BackendChoice,
  type BackendName,
  type CrackMeasurements,
  type EngineChoice,
  INFERENCE_ENGINES,
  type InferenceEngine,
  type InitBackendOptions,
  initBackend,
  loadSegmenter,
  maskToImage,
  measureCracks,
  type PixelImage,
  type RgbaImage,
  registerWasmTrainingKernels,
  renderOverlay,
  type Segmenter,
  type SegmenterOptions,
  type SegmentResult,
  WASM_TRAINING_KERNEL_NAMES,
} from '@crack/runtime';
import {
  loadSegmenter as loadNodeSegmenter,
  type NodeSegmentInput,
  writeMaskPng,
  writeOverlayPng,
} from '@crack/runtime/node';

export function startFastest(): Promise<BackendChoice> {
  const options: InitBackendOptions = {
    prefer: 'auto',
    logger: (message: string, choice: BackendChoice) => console.log(message, choice.threads),
  };
  return initBackend(options);
}

export function describeChoice(choice: BackendChoice): string {
  const name: BackendName = choice.backend;
  return `${name}${choice.simd ? ' SIMD' : ''} x${choice.threads}: ${choice.reason}`;
}

export function trainingKernels(): string[] {
  const known: readonly string[] = WASM_TRAINING_KERNEL_NAMES;
  return BACKEND_NAMES.includes('wasm') ? registerWasmTrainingKernels() : [...known];
}

// The Segmenter (no top-level await: valid as .mts and .cts).

export async function segmentPhoto(
  modelUrl: string,
  photo: PixelImage,
): Promise<{ result: SegmentResult; overlay: RgbaImage; cracks: CrackMeasurements }> {
  const options: SegmenterOptions = { mode: 'thesis', threshold: 0.4, warmup: true };
  const segmenter: Segmenter = await loadSegmenter(modelUrl, options);
  try {
    const result = await segmenter.segment(photo, { mode: 'full' });
    const overlay = renderOverlay(photo, result.mask, { color: [0, 255, 0], opacity: 0.5 });
    const cracks = measureCracks(result.mask, result.width, result.height, { mmPerPixel: 0.2 });
    const mask = maskToImage(result.mask, result.width, result.height);
    console.log(mask.channels, result.timings.inferenceMs, result.backend, cracks.total.count);
    return { result, overlay, cracks };
  } finally {
    segmenter.dispose();
  }
}

export async function segmentWithEngine(modelUrl: string, engine: InferenceEngine) {
  const known: readonly InferenceEngine[] = INFERENCE_ENGINES;
  const segmenter = await loadSegmenter(modelUrl, {
    engine: known.includes(engine) ? engine : 'auto',
  });
  const choice: EngineChoice = segmenter.engine;
  console.log(choice.engine, choice.reason);
  segmenter.dispose();
  return choice;
}

export async function segmentFile(modelDir: string, file: NodeSegmentInput): Promise<number> {
  const segmenter = await loadNodeSegmenter(modelDir);
  const result = await segmenter.segment(file);
  await writeMaskPng('out/photo.mask.png', result.mask, result.width, result.height);
  const image: PixelImage = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 };
  await writeOverlayPng('out/photo.overlay.png', image, result.mask);
  segmenter.dispose();
  return result.timings.totalMs;
}
