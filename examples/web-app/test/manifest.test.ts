/**
 * The bundled models match @crack/models: public/models/ is a copy made by
 * `scripts/bundle-models.ts --from-package`, so a catalog change that was not bundled again (new
 * scores, a new card) shows up here rather than as stale figures in the app.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS } from '@crack/models';
import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../src/models';

const modelsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'models');
const manifest = JSON.parse(
  readFileSync(path.join(modelsDir, 'index.json'), 'utf8'),
) as ModelEntry[];
const packageDir = path.dirname(
  createRequire(import.meta.url).resolve('@crack/models/package.json'),
);

describe('public/models', () => {
  it("lists every catalog model with the catalog's held-out scores, its quantized copies too", () => {
    for (const model of MODELS) {
      const copies = new RegExp(`^${model.id}(-float16|-uint8)?$`);
      const entries = manifest.filter((e) => copies.test(e.id));
      expect(entries.length, model.id).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(entry.params, entry.id).toBe(model.params);
        expect(entry.f1, entry.id).toBe(model.crossValidated?.f1);
        expect(entry.f1Tolerant, entry.id).toBe(model.crossValidated?.f1Tolerant);
      }
    }
    expect(manifest[0]?.id).toBe(MODELS[0]?.id); // the default first
  });

  it('carries each model card as the package has it', () => {
    for (const model of MODELS) {
      const card = readFileSync(path.join(packageDir, 'models', model.id, 'README.md'), 'utf8');
      expect(readFileSync(path.join(modelsDir, model.id, 'README.md'), 'utf8'), model.id).toBe(
        card,
      );
    }
  });
});
