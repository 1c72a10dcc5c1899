/**
 * What every stage receives: the run directory, the config, a logger that prints and appends to
 * logs/pipeline.log, and the run's data (loaded once, on first use).
 */
import { rmSync } from 'node:fs';
import type { PipelineConfig } from './config';
import { type DataSplit, loadData } from './data';
import { RunDir, type StageId } from './run-dir';

/** The shared state of the stages of one run. */
export interface StageContext {
  run: RunDir;
  config: PipelineConfig;
  /** Prints a line and appends it to logs/pipeline.log. */
  log: (line: string) => void;
  /** The run's training and held-out samples (loaded on first call). */
  data: () => Promise<DataSplit>;
  /** The active TensorFlow.js backend, e.g. 'wasm (SIMD, 1 thread)'. */
  backend: string;
}

/** Options for {@link createContext}. */
export interface ContextOptions {
  /** Where lines are printed. Default console.log. */
  print?: (line: string) => void;
  /** Description of the active backend. */
  backend?: string;
}

/** A context for the run directory `root` with `config` (written to config.json if new). */
export function createContext(
  root: string,
  config: PipelineConfig,
  options: ContextOptions = {},
): StageContext {
  const { print = console.log, backend = 'unknown' } = options;
  const run = new RunDir(root);
  if (!run.readConfig()) run.writeConfig(config);
  const log = (line: string): void => {
    print(line);
    run.log(line);
  };
  let data: Promise<DataSplit> | null = null;
  return {
    run,
    config,
    log,
    backend,
    data: () => {
      data ??= loadData(config, log).then((split) => {
        log(`data: ${split.description}`);
        return split;
      });
      return data;
    },
  };
}

/** Options for {@link runStage}. */
export interface RunStageOptions {
  /** Run even if state.json says the stage is done. */
  force?: boolean;
}

/**
 * Runs one stage unless it is already done: records the start in state.json, runs `work`, and
 * records completion (with wall time and `work`'s details) only after its artefacts are written.
 * Returns false when the stage was skipped.
 */
export async function runStage(
  context: StageContext,
  stage: StageId,
  work: () => Promise<Record<string, unknown> | undefined>,
  options: RunStageOptions = {},
): Promise<boolean> {
  const { run, log } = context;
  if (!options.force && run.isDone(stage)) {
    log(`${stage}: done already (state.json), skipped`);
    return false;
  }
  log(`${stage}: started`);
  run.markRunning(stage);
  const began = performance.now();
  const details = await work();
  const seconds = (performance.now() - began) / 1000;
  run.markDone(stage, seconds, details);
  // Checkpoints only serve to resume an unfinished stage.
  rmSync(run.path('checkpoints', stage), { recursive: true, force: true });
  log(`${stage}: done in ${seconds.toFixed(1)} s`);
  return true;
}
