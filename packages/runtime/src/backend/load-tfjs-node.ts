/**
 * Tries to load the optional peer `@tensorflow/tfjs-node`, which registers the native
 * 'tensorflow' backend. Returns null on success, or why it could not be used. The import is
 * dynamic (and the specifier hidden from bundlers) so that installs without it still work.
 */
export async function loadTfjsNode(): Promise<string | null> {
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(/* @vite-ignore */ specifier);
    return null;
  } catch (error) {
    // Only the package itself missing means "not installed"; a missing native binding inside an
    // installed package is a load failure worth reporting. Node says "Cannot find package
    // '@tensorflow/tfjs-node'", bundler-style resolvers (vite, vitest) "Could not resolve
    // \"@tensorflow/tfjs-node\"": both name the bare specifier in quotes.
    if (
      /(Cannot find (module|package)|Could not resolve) ['"]@tensorflow\/tfjs-node['"]/.test(
        firstLine(error),
      )
    ) {
      return 'tfjs-node not installed';
    }
    return `tfjs-node failed to load (${firstLine(error)})`;
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] ?? 'unknown error';
}
