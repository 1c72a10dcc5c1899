/**
 * Progress of long stages: a cli-progress bar with ETA on a terminal, plain periodic lines
 * otherwise (CI logs, pipes, tests), so logs stay readable.
 */
import cliProgress from 'cli-progress';

/** A running progress display. */
export interface Progress {
  /** Sets the number of finished units and an optional status text (e.g. the loss). */
  update(done: number, status?: string): void;
  /** Ends the display (prints the final line). */
  stop(): void;
}

/** Options for {@link startProgress}. */
export interface ProgressOptions {
  /** What is measured, e.g. 'teacher'. */
  label: string;
  /** Total units. */
  total: number;
  /** Unit name, e.g. 'steps'. */
  unit: string;
  /** Where plain lines go (default console.log); also used for the final line. */
  print?: (line: string) => void;
  /** Force plain lines (default: plain unless stdout is a TTY). */
  plain?: boolean;
  /** Seconds between plain lines. Default 10. */
  intervalSeconds?: number;
  /**
   * Units finished before this process started (a run resumed from a checkpoint): the ETA rate is
   * measured on the units done since, not on all of them. Default 0.
   */
  initial?: number;
}

/** Starts a progress display: a bar on a TTY, else a line every `intervalSeconds`. */
export function startProgress(options: ProgressOptions): Progress {
  const { label, total, unit, print = console.log, intervalSeconds = 10, initial = 0 } = options;
  const plain = options.plain ?? !process.stdout.isTTY;
  const started = Date.now();
  const line = (done: number, status: string): string => {
    const elapsed = (Date.now() - started) / 1000;
    const sinceStart = done - initial;
    const eta = sinceStart > 0 ? (elapsed / sinceStart) * (total - done) : Number.NaN;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    return `${label}: ${done}/${total} ${unit} (${percent}%), ${formatSeconds(elapsed)} elapsed, ETA ${Number.isFinite(eta) ? formatSeconds(eta) : '?'}${status ? `, ${status}` : ''}`;
  };
  if (plain) {
    let last = started;
    let latest = { done: 0, status: '' };
    let printed = -1;
    return {
      update(done, status = '') {
        latest = { done, status };
        if (Date.now() - last >= intervalSeconds * 1000) {
          last = Date.now();
          printed = done;
          print(line(done, status));
        }
      },
      stop() {
        if (printed !== latest.done) print(line(latest.done, latest.status));
        printed = latest.done;
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted} elapsed | ETA {eta_formatted} | {status}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, initial, { status: '' });
  return {
    update(done, status = '') {
      bar.update(done, { status });
    },
    stop() {
      bar.stop();
    },
  };
}

/** 75 -> "1m15s", 4 -> "4.0s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
