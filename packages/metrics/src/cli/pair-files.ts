import { readdirSync } from 'node:fs';
import path from 'node:path';

/** File extensions read as images. */
const IMAGE_FILE = /\.(png|jpe?g)$/i;

/**
 * Suffixes `crack-segment` puts between a photo's name and `.png`: `001.jpg` gives
 * `001.mask.png` (0/255 mask), `001.prob.png` (8-bit probabilities) and `001.overlay.png`.
 */
const PREDICTION_SUFFIXES = ['.mask', '.prob'] as const;
const OTHER_OUTPUT_SUFFIXES = ['.overlay'] as const;

/** A ground-truth image and the prediction found for it, if any. */
export interface FilePair {
  /** The ground truth's base name without extension, e.g. `001`. */
  name: string;
  gt: string;
  /** The prediction file, or null when the prediction folder has none for this name. */
  pred: string | null;
  /** Why this pair cannot be scored normally (several files share a name), if so. */
  problem?: string;
}

/** Which prediction file wins when a name has several (`001.mask.png`, `001.prob.png`, `001.png`). */
export type PredictionKind = 'mask' | 'prob';

/** Image files of a folder by base name (all files kept per name, to report duplicates). */
function imagesByName(dir: string): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const file of readdirSync(dir).sort()) {
    if (!IMAGE_FILE.test(file)) continue;
    const name = file.slice(0, file.length - path.extname(file).length);
    const list = byName.get(name) ?? [];
    list.push(path.join(dir, file));
    byName.set(name, list);
  }
  return byName;
}

/** `001.mask` -> `001`; names without a known suffix are returned as they are. */
function stripOutputSuffix(name: string): string {
  for (const suffix of [...PREDICTION_SUFFIXES, ...OTHER_OUTPUT_SUFFIXES]) {
    if (name.toLowerCase().endsWith(suffix)) return name.slice(0, name.length - suffix.length);
  }
  return name;
}

/**
 * Pairs every ground-truth image with its prediction, in name order. For ground truth `NAME.*`
 * the prediction is the first of `NAME.mask.*`, `NAME.*`, `NAME.prob.*` (`prefer: 'mask'`) or of
 * `NAME.prob.*`, `NAME.*`, `NAME.mask.*` (`prefer: 'prob'`, for a sweep), so the outputs of
 * `crack-segment` pair without renaming. A ground truth without a prediction is still a pair
 * (`pred: null`): the caller scores it as an empty prediction. Prediction files that belong to no
 * ground truth are described in `problems`.
 */
export function pairFiles(
  predDir: string,
  gtDir: string,
  prefer: PredictionKind = 'mask',
): { pairs: FilePair[]; problems: string[] } {
  const problems: string[] = [];
  const preds = imagesByName(predDir);
  const gts = imagesByName(gtDir);
  const order =
    prefer === 'mask' ? ['.mask', '', '.prob'] : (['.prob', '', '.mask'] as readonly string[]);
  const pairs: FilePair[] = [];
  for (const [name, gtFiles] of gts) {
    const gt = gtFiles[0] as string;
    if (gtFiles.length > 1) {
      pairs.push({
        name,
        gt,
        pred: null,
        problem: `several ground-truth files share the name ${name}: ${gtFiles.map((f) => path.basename(f)).join(', ')}`,
      });
      continue;
    }
    const key = order.map((suffix) => `${name}${suffix}`).find((candidate) => preds.has(candidate));
    const predFiles = key === undefined ? [] : (preds.get(key) as string[]);
    if (predFiles.length > 1) {
      pairs.push({
        name,
        gt,
        pred: predFiles[0] as string,
        problem: `several prediction files share the name ${key}: ${predFiles.map((f) => path.basename(f)).join(', ')}`,
      });
    } else {
      pairs.push({ name, gt, pred: predFiles[0] ?? null });
    }
  }
  for (const [name, files] of preds) {
    if (!gts.has(stripOutputSuffix(name)) && !gts.has(name)) {
      for (const file of files)
        problems.push(
          `${file}: no ground truth named ${stripOutputSuffix(name)}.* in ${gtDir}; ignored`,
        );
    }
  }
  pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { pairs, problems };
}
