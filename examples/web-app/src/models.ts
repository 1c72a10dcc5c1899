/** The models bundled with the app, listed in public/models/index.json. */

/** One bundled model. */
export interface ModelEntry {
  /** Folder name under public/models/. */
  id: string;
  /** What the model picker shows. */
  label: string;
  /** model.json, relative to the page. */
  url: string;
  /** Parameters (weights + biases). */
  params: number;
  /** Multiply-adds for one 320x480 image. */
  macs: number;
  /** Held-out F1 of the pipeline run that trained it (strict), when known. */
  f1?: number;
  /** Held-out F1 with the thesis's 2-pixel tolerance, when known. */
  f1Tolerant?: number;
  /** How the weights are stored: float32, or quantized (dequantized to float32 on load). */
  weights?: 'float32' | 'float16' | 'uint8';
  /** Size of the weight files (the download besides model.json), when known. */
  weightBytes?: number;
  /** Where the bundled files came from (the pipeline export folder and date). */
  source?: string;
}

/** Fetches the manifest of bundled models (relative to the page, so any base path works). */
export async function loadModelList(): Promise<ModelEntry[]> {
  const response = await fetch(new URL('models/index.json', document.baseURI));
  if (!response.ok) throw new Error(`models/index.json: HTTP ${response.status}`);
  const entries = (await response.json()) as ModelEntry[];
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new Error('models/index.json lists no models');
  }
  return entries;
}
