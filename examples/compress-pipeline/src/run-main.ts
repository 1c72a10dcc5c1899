import { UsageError } from './flags';

/**
 * Runs a command-line entry point and exits: 0 when `main` resolves, 2 with one line for a
 * {@link UsageError} (bad flags), 1 with the stack for anything else. Exiting explicitly also
 * ends the process when the wasm backend's worker threads (threads > 1) would keep it alive.
 */
export async function runMain(main: () => Promise<unknown>): Promise<never> {
  try {
    await main();
    process.exit(0);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  }
}
