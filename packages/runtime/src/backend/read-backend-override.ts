import { BACKEND_NAMES, type BackendName } from './backend-choice';

/** Name of the environment variable that forces a backend. */
export const BACKEND_ENV_VAR = 'CRACK_BACKEND';

/**
 * Reads `CRACK_BACKEND` (tensorflow | wasm | cpu, case-insensitive); undefined when unset or
 * empty, or outside Node. Throws on any other value.
 */
export function readBackendOverride(): BackendName | undefined {
  const raw = globalThis.process?.env?.[BACKEND_ENV_VAR]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new Error(`${BACKEND_ENV_VAR} must be one of ${BACKEND_NAMES.join(', ')}; got '${raw}'`);
  }
  return raw as BackendName;
}
