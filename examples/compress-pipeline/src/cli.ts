#!/usr/bin/env node
/**
 * compress-pipeline: the thesis's compression framework from the command line. Usage errors
 * (bad flags) exit with code 2 and one line; other failures with code 1 and the stack.
 */
import { UsageError } from './flags';
import { buildProgram } from './program';

try {
  await buildProgram().parseAsync(process.argv);
  // The wasm backend's worker threads (--threads > 1) would keep the process alive.
  process.exit(0);
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
