/**
 * The config a U-Net was built from travels with the model: {@link createUnet} stores it in the
 * LayersModel's user-defined metadata, which `model.save` writes into model.json and
 * `tf.loadLayersModel` restores, so a loaded model still knows its depth (hence the size
 * granularity 2^depth its input needs), its width and its seed.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { omitDefaultArchitecture, type ResolvedUnetConfig, resolveUnetConfig } from './config';

/** Key of the U-Net config inside the model's user-defined metadata. */
export const UNET_METADATA_KEY = 'crackUnet';

/** Stores `config` in `model`'s user-defined metadata under {@link UNET_METADATA_KEY}. */
export function writeUnetMetadata(model: LayersModel, config: ResolvedUnetConfig): void {
  const existing = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
  const stored = {
    ...omitDefaultArchitecture(config),
    inputSize: config.inputSize ? [...config.inputSize] : null,
  };
  model.setUserDefinedMetadata({ ...existing, [UNET_METADATA_KEY]: stored });
}

/**
 * The config a model was built with by {@link createUnet} (also after save and load), with
 * every field filled in and the seed that was used; null for a model without that metadata.
 */
export function readUnetConfig(model: LayersModel): ResolvedUnetConfig | null {
  const metadata = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const stored = metadata?.[UNET_METADATA_KEY];
  if (stored == null || typeof stored !== 'object') return null;
  return resolveUnetConfig(stored as ResolvedUnetConfig, 'readUnetConfig');
}
