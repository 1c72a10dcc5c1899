/**
 * A tfjs IOHandler for Node's file system, in the standard tfjs layout (model.json + one binary
 * weights file, as tfjs-node's `file://` handler and the tfjs converter write), for Node without
 * tfjs-node. Saving is atomic per file: each file is written under a temporary name in the target
 * directory and renamed into place, weights first, so a reader never sees a model.json whose
 * weights are missing or half written.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@crack/data/node';
import { io } from '@tensorflow/tfjs-core';

/** Options of {@link nodeFileSystem}. */
export interface NodeFileSystemOptions {
  /** File name of the topology + manifest JSON inside the directory. Default 'model.json'. */
  modelFileName?: string;
  /** File name of the weights written by `save`. Default 'weights.bin'. */
  weightsFileName?: string;
}

/**
 * An IOHandler that saves a model to, and loads it from, the directory `directory`
 * (created on save if missing). Use it with `model.save(nodeFileSystem(dir))` and
 * `tf.loadLayersModel(nodeFileSystem(dir))`. Loading reads every weights file the manifest lists,
 * relative to the directory; paths that leave the directory are refused.
 */
export function nodeFileSystem(
  directory: string,
  options: NodeFileSystemOptions = {},
): io.IOHandler {
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new TypeError(`nodeFileSystem: directory must be a non-empty string, got ${directory}`);
  }
  const { modelFileName = 'model.json', weightsFileName = 'weights.bin' } = options;
  for (const [field, value] of [
    ['modelFileName', modelFileName],
    ['weightsFileName', weightsFileName],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0 || path.basename(value) !== value) {
      throw new TypeError(`nodeFileSystem: ${field} must be a plain file name, got '${value}'`);
    }
  }
  const root = path.resolve(directory);
  return {
    save: (artifacts) => save(root, modelFileName, weightsFileName, artifacts),
    load: () => load(root, modelFileName),
  };
}

async function save(
  root: string,
  modelFileName: string,
  weightsFileName: string,
  artifacts: io.ModelArtifacts,
): Promise<io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new TypeError('nodeFileSystem: binary model topologies are not supported, only JSON');
  }
  const weights =
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) {
    modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  }
  if (artifacts.modelInitializer != null) modelJson.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) {
    modelJson.initializerSignature = artifacts.initializerSignature;
  }

  await mkdir(root, { recursive: true });
  await writeFileAtomic(path.join(root, weightsFileName), new Uint8Array(weights));
  await writeFileAtomic(path.join(root, modelFileName), JSON.stringify(modelJson));
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
      weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
      weightDataBytes: weights.byteLength,
    },
  };
}

async function load(root: string, modelFileName: string): Promise<io.ModelArtifacts> {
  const modelPath = path.join(root, modelFileName);
  let modelJson: io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as io.ModelJSON;
  } catch (error) {
    throw new Error(`nodeFileSystem: cannot read ${modelPath}: ${(error as Error).message}`);
  }
  if (modelJson == null || typeof modelJson !== 'object' || modelJson.modelTopology == null) {
    throw new Error(`nodeFileSystem: ${modelPath} has no modelTopology`);
  }
  return io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      const files: string[] = [];
      let actual = 0;
      for (const relative of group.paths) {
        const file = path.resolve(root, relative);
        if (path.relative(root, file).startsWith('..') || path.isAbsolute(relative)) {
          throw new Error(`nodeFileSystem: weights path '${relative}' leaves ${root}`);
        }
        const bytes = await readFile(file);
        files.push(file);
        actual += bytes.byteLength;
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
      // Checked here, before tfjs builds the model: a short file would otherwise fail inside
      // loadWeights as "tensor should have N values but has M", naming no file, after the
      // model's variables were allocated (issue 17).
      const expected = manifestGroupBytes(group.weights);
      if (expected !== null && actual !== expected) {
        throw new Error(
          `nodeFileSystem: the weights file ${files.join(' + ')} has ${actual} bytes but ${modelPath} describes ${expected} (${actual < expected ? 'truncated' : 'too long'}: a partial copy, or weights of another model)`,
        );
      }
      specs.push(...group.weights);
    }
    return [specs, io.CompositeArrayBuffer.join(buffers)];
  });
}

/** Bytes per value of each dtype a weights file can store (tfjs's weights manifest format). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * The byte length a weights group must have, from its manifest entries (quantized entries count
 * their stored dtype); null when it cannot be known in advance (string tensors).
 */
function manifestGroupBytes(weights: readonly io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const spec of weights) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = DTYPE_BYTES[dtype];
    if (bytes === undefined) return null;
    total += spec.shape.reduce((n, d) => n * d, 1) * bytes;
  }
  return total;
}
