/**
 * The full state of a tfjs optimizer on disk, so that a resumed training continues bit for bit.
 *
 * `optimizer.getWeights()` / `setWeights()` are not enough for Adam: `setWeights` recomputes the
 * bias-correction powers as `pow(beta, iterations + 1)`, while training keeps them as a running
 * product `accBeta *= beta` in float32. The two differ in the last bits (~6e-8 relative), and the
 * difference grows through every later step (issue 17: resumed weights off by up to 4.5e-3). So
 * besides the moments and the iteration count we save the running products themselves and put
 * them back after `setWeights`. tfjs has no public API for them (they are private fields of
 * AdamOptimizer and AdamaxOptimizer), which is why this file reaches into the object.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readJson, writeFileAtomicSync, writeJsonAtomic } from './run-dir';

/** File names inside a checkpoint folder. */
const WEIGHTS_FILE = 'optimizer.bin';
const MANIFEST_FILE = 'optimizer.json';

/**
 * Optimizer fields that hold state `getWeights()` leaves out, by the names tfjs 4.x gives them.
 * Saved under `#<field>` so they never collide with a moment's `<variable>/m` name.
 */
const HIDDEN_STATE_FIELDS = ['accBeta1', 'accBeta2'] as const;
const hiddenName = (field: string) => `#${field}`;

/** The optimizer seen with the private fields this file reads and writes. */
type WithHiddenState = tf.Optimizer &
  Partial<Record<(typeof HIDDEN_STATE_FIELDS)[number], tf.Variable>>;

/** What optimizer.json holds. */
interface OptimizerManifest {
  specs: tf.io.WeightsManifestEntry[];
}

/**
 * Writes the complete state of `optimizer` (iteration count, moments and, for Adam, the
 * bias-correction powers) to `dir`/optimizer.bin and `dir`/optimizer.json, each atomically.
 * Allocates no lasting tensors.
 */
export async function saveOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const weights = await optimizer.getWeights();
  const hidden: Array<{ name: string; tensor: tf.Tensor }> = [];
  for (const field of HIDDEN_STATE_FIELDS) {
    const variable = (optimizer as WithHiddenState)[field];
    if (variable instanceof tf.Variable) hidden.push({ name: hiddenName(field), tensor: variable });
  }
  try {
    const { data, specs } = await tf.io.encodeWeights([...weights, ...hidden]);
    writeFileAtomicSync(path.join(dir, WEIGHTS_FILE), new Uint8Array(data));
    writeJsonAtomic(path.join(dir, MANIFEST_FILE), { specs } satisfies OptimizerManifest);
  } finally {
    // getWeights() returns the iteration count as a new scalar; the moments are the optimizer's own.
    for (const { name, tensor } of weights) if (name === 'iter') tensor.dispose();
  }
}

/**
 * Restores what {@link saveOptimizerState} wrote into `optimizer` (of the same class, built for
 * the same model). A checkpoint written before the hidden state was saved restores as
 * `setWeights` alone would (close, not exact). Throws an error naming the file when the saved
 * state does not fit `optimizer`; allocates no lasting tensors beyond the optimizer's own.
 */
export async function restoreOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<void> {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  const manifest = readJson<OptimizerManifest>(manifestFile);
  if (!manifest) throw new Error(`restoreOptimizerState: ${manifestFile} does not exist`);
  const bytes = readFileSync(weightsFile);
  const expected = manifest.specs.reduce(
    (sum, spec) => sum + spec.shape.reduce((n, d) => n * d, 1) * 4,
    0,
  );
  if (bytes.byteLength !== expected) {
    throw new Error(
      `restoreOptimizerState: ${weightsFile} has ${bytes.byteLength} bytes, ${manifestFile} describes ${expected}`,
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const decoded = tf.io.decodeWeights(buffer, manifest.specs);
  try {
    const hiddenNames = new Set<string>(HIDDEN_STATE_FIELDS.map(hiddenName));
    const named = manifest.specs
      .filter((spec) => !hiddenNames.has(spec.name))
      .map((spec) => ({ name: spec.name, tensor: decoded[spec.name] as tf.Tensor }));
    await optimizer.setWeights(named);
    for (const field of HIDDEN_STATE_FIELDS) {
      const saved = decoded[hiddenName(field)];
      const variable = (optimizer as WithHiddenState)[field];
      if (!saved) continue;
      if (!(variable instanceof tf.Variable)) {
        throw new Error(
          `restoreOptimizerState: ${weightsFile} holds ${field}, which ${optimizer.getClassName()} does not have`,
        );
      }
      // Overrides the pow(beta, iterations + 1) that setWeights just computed.
      variable.assign(saved);
    }
  } finally {
    // setWeights wraps each tensor in a new variable (its own reference to the data).
    tf.dispose(Object.values(decoded));
  }
}
