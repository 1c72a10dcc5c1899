import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** Extensions a folder is searched for. */
const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;
/** Files this command writes, never taken as inputs from a folder or glob. */
const OWN_OUTPUTS = /\.(mask|overlay|prob)\.png$/i;

/** The inputs of one run: files to process, and arguments that named nothing usable. */
export interface ExpandedInputs {
  /** Image files to process, in order, without duplicates. */
  files: string[];
  /** Arguments that named nothing usable, each with the reason. */
  problems: Array<{
    /** The argument. */
    input: string;
    /** Why it gave no file. */
    message: string;
  }>;
}

/**
 * Expands command-line inputs: a file is taken as is (its bytes decide whether it is an
 * image); a folder gives its .jpg/.jpeg/.png files (not recursive); anything else with glob
 * characters is a glob (`photos/**\/*.jpg`, via tinyglobby, so it works on Node 20). Folders and
 * globs skip this command's own outputs (*.mask.png, *.overlay.png, *.prob.png). Duplicates are dropped;
 * order is the arguments' order, each folder or glob sorted by name. Used by `crack-segment` and
 * `crack-batch enqueue`. Node only.
 */
export async function expandInputs(inputs: string[]): Promise<ExpandedInputs> {
  const files: string[] = [];
  const problems: ExpandedInputs['problems'] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const input of inputs) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(input);
    } catch {
      stats = undefined;
    }
    if (stats?.isFile()) {
      add(input);
      continue;
    }
    if (stats?.isDirectory()) {
      const found = readdirSync(input)
        .filter((name) => IMAGE_EXTENSIONS.test(name) && !OWN_OUTPUTS.test(name))
        .sort()
        .map((name) => path.join(input, name))
        .filter((file) => statSync(file).isFile());
      if (found.length === 0) problems.push({ input, message: 'folder has no .jpg or .png files' });
      found.forEach(add);
      continue;
    }
    if (isDynamicPattern(input)) {
      const found = (await glob(input, { onlyFiles: true, expandDirectories: false }))
        .filter((file) => !OWN_OUTPUTS.test(file))
        .sort();
      if (found.length === 0) problems.push({ input, message: 'glob matches no files' });
      found.forEach(add);
      continue;
    }
    problems.push({ input, message: 'no such file or folder' });
  }
  return { files, problems };
}
