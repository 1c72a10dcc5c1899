import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (packages/data/test -> ../../..). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');

/**
 * The CFD copy the tests compare against: CRACK_DATA_DIR if set, else ../shared/datasets/cfd
 * beside the repository. Undefined (tests skip, saying why) when it is absent.
 */
export const cfdDir: string | undefined = (() => {
  const dir = process.env.CRACK_DATA_DIR ?? path.resolve(repoRoot, '../shared/datasets/cfd');
  if (existsSync(path.join(dir, 'images')) && existsSync(path.join(dir, 'masks'))) return dir;
  console.warn(`@crack/data tests: no CFD at ${dir} (set CRACK_DATA_DIR); CFD tests are skipped`);
  return undefined;
})();
