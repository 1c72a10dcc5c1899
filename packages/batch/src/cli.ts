// The `crack-batch` command (bin/crack-batch.js imports this file).
import { runCli } from './cli/run-cli';

// SIGINT/SIGTERM: `work` stops taking jobs, finishes the active photos, writes the index, then
// exits; a second signal (more than a second later: a terminal's Ctrl-C reaches the worker
// processes of `work --concurrency N` and their parent at once) exits at once, leaving the
// photo to another worker once its lock expires.
const stop = new AbortController();
let firstSignalAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) {
      if (Date.now() - firstSignalAt < 1000) return;
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    firstSignalAt = Date.now();
    stop.abort(signal);
  });
}

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: stop.signal,
}).then(
  (code) => {
    // Exit explicitly: a multi-threaded wasm backend keeps worker threads alive.
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(
      `crack-batch: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
    process.stdout.write('', () => process.exit(1));
  },
);
