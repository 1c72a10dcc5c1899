#!/usr/bin/env node
/**
 * compress-pipeline: the thesis's compression framework from the command line. Usage errors
 * (bad flags) exit with code 2 and one line; other failures with code 1 and the stack.
 */
import { buildProgram } from './program';
import { runMain } from './run-main';

await runMain(() => buildProgram().parseAsync(process.argv));
