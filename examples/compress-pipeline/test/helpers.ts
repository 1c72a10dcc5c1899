import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '@crack/runtime';
import type { PipelineConfig } from '../src/config';
import { presetConfig } from '../src/presets';

/** The tiny preset with overrides (seconds per run). */
export function tinyConfig(overrides: (config: PipelineConfig) => void = () => {}): PipelineConfig {
  const config = presetConfig('tiny');
  overrides(config);
  return config;
}

const created: string[] = [];

/** A fresh temporary folder (removed by {@link removeTemporaryDirs}). */
export function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `compress-pipeline-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every folder made by {@link temporaryDir}; call from afterAll. */
export function removeTemporaryDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The backend the CLI would use (wasm with training kernels, else cpu), silently. */
export async function useBackend(): Promise<void> {
  await initBackend({ logger: null });
}

/** The example's folder and its CLI. */
export const EXAMPLE_DIR = path.resolve(import.meta.dirname, '..');
export const CLI = path.join(EXAMPLE_DIR, 'src', 'cli.ts');
