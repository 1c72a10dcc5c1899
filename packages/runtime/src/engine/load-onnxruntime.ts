/** The part of onnxruntime-node's API the onnxruntime engine uses. */
export interface OnnxRuntimeModule {
  /** The package version, e.g. '1.30.0'. */
  env: { versions?: { common?: string; node?: string } };
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: { intraOpNumThreads?: number; interOpNumThreads?: number },
    ): Promise<OnnxSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OnnxTensor;
}

/** An onnxruntime-node inference session (the members used here). */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  release(): Promise<void>;
}

/** An onnxruntime-node tensor (the members used here). */
export interface OnnxTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

let loading: Promise<{ module: OnnxRuntimeModule } | { failure: string }> | undefined;

/**
 * Loads the optional peer `onnxruntime-node` once per process. Resolves to the module, or to
 * why it cannot be used ("onnxruntime-node not installed" when the package is missing). The
 * import is dynamic, and its specifier hidden from bundlers, so installs and browser bundles
 * without it still work.
 */
export function loadOnnxRuntime(): Promise<{ module: OnnxRuntimeModule } | { failure: string }> {
  loading ??= (async () => {
    const specifier = 'onnxruntime-node';
    if (globalThis.process?.versions?.node == null) {
      return { failure: 'onnxruntime-node runs in Node only' };
    }
    try {
      const imported = (await import(/* @vite-ignore */ specifier)) as OnnxRuntimeModule & {
        default?: OnnxRuntimeModule;
      };
      const module = imported.InferenceSession ? imported : imported.default;
      if (module?.InferenceSession == null) {
        return { failure: 'onnxruntime-node loaded but has no InferenceSession' };
      }
      return { module };
    } catch (error) {
      const line = String((error as Error)?.message ?? error).split('\n')[0] ?? 'unknown error';
      // As for tfjs-node: only the package itself missing means "not installed".
      if (/(Cannot find (module|package)|Could not resolve) ['"]onnxruntime-node['"]/.test(line)) {
        return { failure: 'onnxruntime-node not installed' };
      }
      return { failure: `onnxruntime-node failed to load (${line})` };
    }
  })();
  return loading;
}

/** The version onnxruntime-node reports, or '' if it does not. */
export function onnxRuntimeVersion(module: OnnxRuntimeModule): string {
  return module.env?.versions?.node ?? module.env?.versions?.common ?? '';
}
