import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TileRunner } from '../segmenter/full-mode';
import type { ModelGeometry } from '../segmenter/types';
import type { OnnxRuntimeModule } from './load-onnxruntime';

/** A model exported to ONNX and loaded into an onnxruntime-node session. */
export interface OnnxRunner {
  /** Runs one tile ([height, width, channels] values) and returns height x width probabilities. */
  run: TileRunner;
  /** Frees the session. */
  release(): Promise<void>;
}

/** How {@link createOnnxRunner} sets up its session. */
export interface OnnxRunnerOptions {
  /**
   * Intra-op threads (the calling thread included), or 'auto' for onnxruntime's default (one
   * per physical core). See `SegmenterOptions.engineThreads`.
   */
  threads: number | 'auto';
}

/**
 * Exports `model` with @crack/export (NHWC, so tiles feed it as they feed tfjs; a sigmoid head
 * unless the model outputs probabilities already) and opens it in onnxruntime-node. Throws if the
 * model cannot be exported or loaded; the caller falls back to tfjs.
 */
export async function createOnnxRunner(
  onnxruntime: OnnxRuntimeModule,
  model: LayersModel,
  geometry: ModelGeometry,
  options: OnnxRunnerOptions = { threads: 'auto' },
): Promise<OnnxRunner> {
  // Imported lazily, and hidden from bundlers: only Node with onnxruntime-node needs the
  // exporter (and its protobuf library), never a browser bundle.
  const specifier = '@crack/export';
  const { exportOnnx } = (await import(
    /* @vite-ignore */ specifier
  )) as typeof import('@crack/export');
  const { bytes } = exportOnnx(model, {
    layout: 'NHWC',
    head: geometry.outputsProbabilities ? 'logits' : 'sigmoid',
  });
  // Operators run one after another (onnxruntime's default sequential mode), so the inter-op
  // pool is never used; the intra-op pool is what computes each convolution in parallel.
  const session = await onnxruntime.InferenceSession.create(
    bytes,
    options.threads === 'auto' ? {} : { intraOpNumThreads: options.threads },
  );
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const run: TileRunner = async (input, height, width) => {
    const feeds = {
      [inputName]: new onnxruntime.Tensor('float32', input, [1, height, width, geometry.channels]),
    };
    const output = (await session.run(feeds))[outputName];
    const [, h, w] = output?.dims ?? [];
    if (h !== height || w !== width) {
      throw new Error(
        `segment: the model turned a ${width}x${height} input into a ${w}x${h} output; it must keep the size (use 'same' padding)`,
      );
    }
    const data = output?.data;
    return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  };
  return { run, release: () => session.release() };
}
