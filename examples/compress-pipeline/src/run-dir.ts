/**
 * The run directory: where every stage writes its artefacts, and state.json, the record of which
 * stages are done. Every file is written to a temporary name and renamed into place (rename is
 * atomic on one file system), so a killed process never leaves a half-written file that looks
 * complete; a stage is done only once state.json says so, and state.json is written last.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { PipelineConfig } from './config';

/** Stage identifiers, in pipeline order. */
export const STAGES = [
  'train-teacher',
  'cache-teacher',
  'train-student-plain',
  'train-student-distilled',
  'prune',
  'finetune',
  'evaluate',
  'export',
  'report',
] as const;

/** Stages outside `run`, started by their own command. */
export const EXTRA_STAGES = ['train-scratch'] as const;

/** One stage of the pipeline. */
export type StageId = (typeof STAGES)[number] | (typeof EXTRA_STAGES)[number];

/** What state.json records about one stage. */
export interface StageRecord {
  status: 'running' | 'done';
  /** ISO time of the first start. */
  startedAt: string;
  /** ISO time of completion. */
  finishedAt?: string;
  /** Wall time of the run that completed the stage, in seconds. */
  seconds?: number;
  /** Epochs training resumed from after an interruption (one entry per resume). */
  resumedFromEpoch?: number[];
  /** Anything else the stage wants to remember. */
  details?: Record<string, unknown>;
}

/** Contents of state.json. */
export interface RunState {
  version: 1;
  stages: Partial<Record<StageId, StageRecord>>;
}

/** The models the pipeline produces, and their folders. */
export const MODEL_DIRS = {
  teacher: 'teacher',
  studentPlain: 'student-plain',
  studentDistilled: 'student-distilled',
  pruned: 'pruned',
  prunedFinetuned: 'pruned-finetuned',
  prunedScratch: 'pruned-scratch',
} as const;

/** A model of the pipeline. */
export type ModelId = keyof typeof MODEL_DIRS;

/** Writes `data` to `file` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

/** Writes pretty JSON atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomicSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads JSON, or returns null when the file does not exist. */
export function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** A run directory: paths, state and log. */
export class RunDir {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  /** A path inside the run directory. */
  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /** The folder of a model's final weights (model.json + weights.bin). */
  modelDir(model: ModelId): string {
    return this.path(MODEL_DIRS[model]);
  }

  /** config.json, or null for a new run directory. */
  readConfig(): PipelineConfig | null {
    return readJson<PipelineConfig>(this.path('config.json'));
  }

  writeConfig(config: PipelineConfig): void {
    writeJsonAtomic(this.path('config.json'), config);
  }

  /** The config; throws when the directory has none (no stage has run there yet). */
  config(): PipelineConfig {
    const config = this.readConfig();
    if (!config)
      throw new Error(`${this.root} has no config.json: start with \`run\` or \`train-teacher\``);
    return config;
  }

  readState(): RunState {
    return readJson<RunState>(this.path('state.json')) ?? { version: 1, stages: {} };
  }

  /** Whether a stage has completed. */
  isDone(stage: StageId): boolean {
    return this.readState().stages[stage]?.status === 'done';
  }

  /** Updates one stage's record (read-modify-write of state.json, atomically). */
  updateStage(stage: StageId, update: (record: StageRecord | undefined) => StageRecord): void {
    const state = this.readState();
    state.stages[stage] = update(state.stages[stage]);
    writeJsonAtomic(this.path('state.json'), state);
  }

  /** Records the start of a stage (keeping the first start time if it ran before). */
  markRunning(stage: StageId): void {
    this.updateStage(stage, (record) => ({
      ...record,
      status: 'running',
      startedAt: record?.startedAt ?? new Date().toISOString(),
    }));
  }

  /** Records that training resumed from a checkpoint. */
  markResumed(stage: StageId, epoch: number): void {
    this.updateStage(stage, (record) => ({
      ...(record ?? { status: 'running', startedAt: new Date().toISOString() }),
      resumedFromEpoch: [...(record?.resumedFromEpoch ?? []), epoch],
    }));
  }

  /** Records completion; the stage's artefacts must already be in place. */
  markDone(stage: StageId, seconds: number, details?: Record<string, unknown>): void {
    this.updateStage(stage, (record) => ({
      ...(record ?? { startedAt: new Date().toISOString() }),
      status: 'done',
      finishedAt: new Date().toISOString(),
      seconds: Math.round(seconds * 10) / 10,
      ...(details ? { details } : {}),
    }));
  }

  /** Appends a timestamped line to logs/pipeline.log. */
  log(line: string): void {
    mkdirSync(this.path('logs'), { recursive: true });
    appendFileSync(this.path('logs', 'pipeline.log'), `${new Date().toISOString()} ${line}\n`);
  }
}
