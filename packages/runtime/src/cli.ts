// The `crack-segment` command (bin/crack-segment.js imports this file).
import { runCli } from './cli/run-cli';

// SIGINT/SIGTERM stop the run after the photo(s) in progress, so the summary lists what was finished;
// a second signal exits at once.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(
      `crack-segment: ${signal}: finishing the photo(s) in progress, then writing the summary (${signal} again stops at once)\n`,
    );
    stop.abort(signal);
  });
}

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  signal: stop.signal,
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
