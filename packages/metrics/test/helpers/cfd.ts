import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '@crack/data/image';
import type { Mask } from '../../src';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The CFD folder (images/, masks/): CRACK_DATA_DIR if set, else ../shared/datasets/cfd. */
export const cfdDir =
  process.env.CRACK_DATA_DIR ?? path.resolve(repoRoot, '../shared/datasets/cfd');
export const cfdMasksDir = path.join(cfdDir, 'masks');
export const hasCfd = existsSync(cfdMasksDir);
if (!hasCfd) console.log(`CFD masks not found in ${cfdMasksDir}: CFD tests are skipped`);

/** Every CFD ground-truth mask as 0/1, by file name. */
export function loadCfdMasks(): Array<{ name: string; mask: Mask }> {
  return readdirSync(cfdMasksDir)
    .filter((file) => file.endsWith('.png'))
    .sort()
    .map((file) => {
      const image = decodeImage(readFileSync(path.join(cfdMasksDir, file)), { channels: 1 });
      const data = image.data.map((v) => (v > 127 ? 1 : 0));
      return { name: file, mask: { data, width: image.width, height: image.height } };
    });
}
