import { INFERENCE_ENGINES, type InferenceEngine } from './engine-choice';

/** Name of the environment variable that picks the inference engine. */
export const ENGINE_ENV_VAR = 'CRACK_ENGINE';

/**
 * Reads `CRACK_ENGINE` (auto | tfjs | onnxruntime, case-insensitive); undefined when unset or
 * empty, or outside Node. Throws on any other value.
 */
export function readEngineOverride(): InferenceEngine | 'auto' | undefined {
  const raw = globalThis.process?.env?.[ENGINE_ENV_VAR]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (raw !== 'auto' && !(INFERENCE_ENGINES as readonly string[]).includes(raw)) {
    throw new Error(
      `${ENGINE_ENV_VAR} must be one of auto, ${INFERENCE_ENGINES.join(', ')}; got '${raw}'`,
    );
  }
  return raw as InferenceEngine | 'auto';
}
