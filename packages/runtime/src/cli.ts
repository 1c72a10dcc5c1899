// The `crack-segment` command (bin/crack-segment.js imports this file).
import { runCli } from './cli/run-cli';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
}).then(
  (code) => {
    // Exit explicitly: a multi-threaded wasm backend keeps worker threads alive.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(
      `crack-segment: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    process.stdout.write('', () => process.exit(1));
  },
);
