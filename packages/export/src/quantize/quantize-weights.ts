/**
 * Quantized tfjs weights: the model.json + weights.bin layout tfjs already reads, with each
 * float32 weight stored as float16 or as uint8 with an affine map (value = q * scale + min), and
 * the manifest entry saying so (`quantization: { dtype, min, scale }`), as the tfjs converter
 * writes them. tfjs dequantizes while loading, so a quantized model loads with the ordinary
 * `tf.loadLayersModel` and runs in float32; only the download shrinks (2x and 4x).
 */
import { io } from '@tensorflow/tfjs-core';
import { FLOAT16_MAX, float16Bits } from './float16';

/** Storage type of quantized weights. */
export type QuantizationDtype = 'float16' | 'uint8';

/** Options of {@link quantizeArtifacts} and {@link withQuantization}. */
export interface QuantizeOptions {
  /**
   * 'float16': every float32 weight as IEEE half precision (2 bytes; relative error at most
   * 2^-11, absolute 2^-25 below 2^-14; weights beyond +-65504 are refused). 'uint8': every
   * float32 weight tensor as bytes q with value = q * scale + min, over a range that contains 0
   * with 0 exactly representable (1 byte; absolute error at most scale / 2 =
   * (max - min) / 510 per tensor). Required.
   */
  dtype: QuantizationDtype;
}

/** One quantized weight: its manifest entry and its bytes. */
interface QuantizedWeight {
  spec: io.WeightsManifestEntry;
  bytes: Uint8Array;
}

const DTYPES: readonly QuantizationDtype[] = ['float16', 'uint8'];

function checkOptions(caller: string, options: QuantizeOptions): QuantizationDtype {
  if (options == null || typeof options !== 'object') {
    throw new TypeError(
      `${caller}: options must be an object with a dtype, got ${String(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== 'dtype') throw new TypeError(`${caller}: unknown option '${key}'; expected dtype`);
  }
  if (!DTYPES.includes(options.dtype)) {
    throw new RangeError(
      `${caller}: dtype must be 'float16' or 'uint8', got ${JSON.stringify(options.dtype)}`,
    );
  }
  return options.dtype;
}

/**
 * The affine uint8 map of a tensor whose values lie in [low, high]: the range is widened to
 * contain 0 and its minimum nudged to a multiple of the scale, so 0 (a pruned or padded weight,
 * a zero bias) stays exactly 0, as the tfjs converter does.
 */
export function uint8Affine(
  low: number,
  high: number,
): {
  /** The value of byte 0: a multiple of `scale`, at most 0. */
  min: number;
  /** The step between two consecutive byte values. */
  scale: number;
} {
  const lo = Math.min(low, 0);
  const hi = Math.max(high, 0);
  if (!(hi > lo)) return { min: 0, scale: 1 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.round(-lo / scale);
  return { min: zeroPoint === 0 ? 0 : -zeroPoint * scale, scale };
}

function quantizeOne(
  spec: io.WeightsManifestEntry,
  values: Float32Array,
  dtype: QuantizationDtype,
): QuantizedWeight {
  if (dtype === 'float16') {
    const halves = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      if (Math.abs(value) > FLOAT16_MAX && Number.isFinite(value)) {
        throw new RangeError(
          `quantizeArtifacts: weight '${spec.name}' has the value ${value}, beyond float16's +-${FLOAT16_MAX}; use dtype 'uint8'`,
        );
      }
      halves[i] = float16Bits(value);
    }
    return {
      spec: { ...spec, quantization: { dtype: 'float16' } },
      bytes: new Uint8Array(halves.buffer),
    };
  }
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (!Number.isFinite(value)) {
      throw new RangeError(`quantizeArtifacts: weight '${spec.name}' has the value ${value}`);
    }
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  const { min, scale } = uint8Affine(low, high);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round(((values[i] as number) - min) / scale);
    bytes[i] = Math.min(255, Math.max(0, q));
  }
  return { spec: { ...spec, quantization: { dtype: 'uint8', min, scale } }, bytes };
}

/**
 * The same model artifacts with every float32 weight quantized to `options.dtype` (int32 and
 * other weights are kept as they are). The topology, metadata and weight order are unchanged.
 * Throws if a weight is quantized already, or (float16) has a value beyond +-65504.
 */
export function quantizeArtifacts(
  artifacts: io.ModelArtifacts,
  options: QuantizeOptions,
): io.ModelArtifacts {
  const dtype = checkOptions('quantizeArtifacts', options);
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : io.CompositeArrayBuffer.join(artifacts.weightData),
  );
  const out: QuantizedWeight[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) {
      throw new Error(
        `quantizeArtifacts: weight '${spec.name}' is quantized already (${spec.quantization.dtype})`,
      );
    }
    if (spec.dtype === 'string') {
      throw new Error(`quantizeArtifacts: weight '${spec.name}' is a string tensor`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    // Bytes per value in the tfjs weights format: bool 1, complex64 8, float32 and int32 4.
    const byteLength = size * (spec.dtype === 'complex64' ? 8 : spec.dtype === 'bool' ? 1 : 4);
    const bytes = data.slice(offset, offset + byteLength);
    offset += byteLength;
    if (spec.dtype !== 'float32') {
      out.push({ spec, bytes });
      continue;
    }
    out.push(quantizeOne(spec, new Float32Array(bytes.buffer), dtype));
  }
  if (offset !== data.byteLength) {
    throw new Error(
      `quantizeArtifacts: the weight specs cover ${offset} bytes but the weight data has ${data.byteLength}`,
    );
  }
  const weightData = new Uint8Array(out.reduce((total, w) => total + w.bytes.byteLength, 0));
  let at = 0;
  for (const { bytes } of out) {
    weightData.set(bytes, at);
    at += bytes.byteLength;
  }
  return { ...artifacts, weightSpecs: out.map((w) => w.spec), weightData: weightData.buffer };
}

/**
 * An IOHandler that quantizes the weights of the model saved through it, then hands the artifacts
 * to `handler` (any tfjs IOHandler: Node files, IndexedDB, browser downloads, HTTP).
 * Use as `await model.save(withQuantization(handler, { dtype: 'uint8' }))`; load the result with
 * the ordinary `tf.loadLayersModel`, which dequantizes to float32.
 */
export function withQuantization(handler: io.IOHandler, options: QuantizeOptions): io.IOHandler {
  checkOptions('withQuantization', options);
  if (handler == null || typeof handler.save !== 'function') {
    throw new TypeError('withQuantization: handler must be a tfjs IOHandler with a save method');
  }
  const save = handler.save.bind(handler);
  return {
    save: (artifacts) => save(quantizeArtifacts(artifacts, options)),
    ...(handler.load ? { load: handler.load.bind(handler) } : {}),
  };
}
