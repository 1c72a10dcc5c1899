import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { CLI } from './fixtures';

/** A `crack-batch` process started by a test, with its output collected. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or 128 + n for signal n), whenever the process ends. */
  exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `crack-batch ...args` (no time limit: tests wait on its events, never on the clock). */
export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0))),
  );
  return { child, output: () => text, exited };
}

/** Runs `crack-batch ...args` to the end; resolves with its exit code, stdout and stderr. */
export function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/**
 * Polls `check` every 250 ms until it returns a value other than undefined. The bound is
 * generous (minutes): it only turns a hang into a failure, it never decides a result.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  boundMs = 8 * 60_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > boundMs) throw new Error(`waited ${boundMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
