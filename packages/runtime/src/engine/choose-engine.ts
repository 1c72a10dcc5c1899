import { type EngineChoice, INFERENCE_ENGINES, type InferenceEngine } from './engine-choice';
import { loadOnnxRuntime, type OnnxRuntimeModule, onnxRuntimeVersion } from './load-onnxruntime';
import { ENGINE_ENV_VAR, readEngineOverride } from './read-engine-override';

/** A resolved engine preference: the choice, plus onnxruntime-node when it was chosen. */
export interface ResolvedEngine {
  /** What was chosen and why. */
  choice: EngineChoice;
  /** Whether onnxruntime was asked for by name (option or CRACK_ENGINE), not by 'auto'. */
  requested: boolean;
  /** The loaded onnxruntime-node, when `choice.engine` is 'onnxruntime'. */
  onnxruntime?: OnnxRuntimeModule;
}

/**
 * Picks the inference engine for `preference` ('auto': onnxruntime-node when it is installed,
 * else tfjs). `CRACK_ENGINE` (auto | tfjs | onnxruntime) overrides the preference. An engine
 * that cannot be used falls back to tfjs, and the reason says why.
 */
export async function chooseEngine(
  preference: InferenceEngine | 'auto',
  caller: string,
): Promise<ResolvedEngine> {
  if (preference !== 'auto' && !INFERENCE_ENGINES.includes(preference)) {
    throw new RangeError(
      `${caller}: engine must be 'auto', ${INFERENCE_ENGINES.map((n) => `'${n}'`).join(', ')}; got '${String(preference)}'`,
    );
  }
  const forced = readEngineOverride();
  const wanted = forced ?? preference;
  const context = forced ? [`${ENGINE_ENV_VAR}=${forced}`] : [];
  const requested = wanted === 'onnxruntime';
  if (wanted === 'tfjs') {
    return {
      choice: { engine: 'tfjs', reason: [...context, 'tfjs requested'].join('; ') },
      requested,
    };
  }
  const loaded = await loadOnnxRuntime();
  if ('failure' in loaded) {
    return {
      choice: { engine: 'tfjs', reason: [...context, loaded.failure, 'tfjs'].join('; ') },
      requested,
    };
  }
  const version = onnxRuntimeVersion(loaded.module);
  return {
    choice: {
      engine: 'onnxruntime',
      reason: [...context, `onnxruntime-node${version ? ` ${version}` : ''} installed`].join('; '),
    },
    requested,
    onnxruntime: loaded.module,
  };
}
