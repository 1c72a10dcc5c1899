import { readdirSync } from 'node:fs';
import path from 'node:path';

/** File extensions read as images. */
const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** A prediction and its ground truth, matched by base name. */
export interface FilePair {
  /** The base name without extension, e.g. `001`. */
  name: string;
  pred: string;
  gt: string;
}

/** Image files of a folder by base name; names seen twice (a.png, a.jpg) are reported. */
function imagesByName(dir: string, problems: string[]): Map<string, string> {
  const byName = new Map<string, string>();
  const duplicates = new Set<string>();
  for (const file of readdirSync(dir).sort()) {
    if (!IMAGE_FILE.test(file)) continue;
    const name = file.slice(0, file.length - path.extname(file).length);
    if (byName.has(name)) duplicates.add(name);
    else byName.set(name, path.join(dir, file));
  }
  for (const name of duplicates) {
    problems.push(`${path.join(dir, name)}.*: several image files share this name; skipped`);
    byName.delete(name);
  }
  return byName;
}

/**
 * Pairs the image files of two folders by base name (`001.png` with `001.jpg`), in name order.
 * Files without a partner are described in `problems`.
 */
export function pairFiles(
  predDir: string,
  gtDir: string,
): { pairs: FilePair[]; problems: string[] } {
  const problems: string[] = [];
  const preds = imagesByName(predDir, problems);
  const gts = imagesByName(gtDir, problems);
  const pairs: FilePair[] = [];
  for (const [name, pred] of preds) {
    const gt = gts.get(name);
    if (gt) pairs.push({ name, pred, gt });
    else problems.push(`${pred}: no ground truth named ${name}.* in ${gtDir}; skipped`);
  }
  for (const [name, gt] of gts) {
    if (!preds.has(name))
      problems.push(`${gt}: no prediction named ${name}.* in ${predDir}; skipped`);
  }
  pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { pairs, problems };
}
