import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeImage } from '@crack/data/image';
import { initBackend } from '@crack/runtime';
import { createUnet } from '@crack/unet';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { costOf, fitBudget, STUDY_BUDGETS, STUDY_FAMILIES } from '../src/candidates';
import { paretoFront, paretoPng } from '../src/pareto-plot';
import {
  recordPath,
  runStudy,
  STUDY_DEFAULTS,
  type StudyOptions,
  type StudyResult,
  type StudyRow,
  studyVerdict,
} from '../src/study';

const out = mkdtempSync(path.join(tmpdir(), 'crack-architectures-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
});

describe('candidates', () => {
  it('the thesis student is the standard family at the 30k budget (8 channels, 29,529 params)', () => {
    const standard = fitBudget(STUDY_FAMILIES[0]!, STUDY_BUDGETS[0]!);
    expect(standard).toMatchObject({ params: 29529, macs: 1086259200 });
    expect(standard!.config.baseFilters).toBe(8);
    // and the 16-channel sibling at the 120k budget
    expect(fitBudget(STUDY_FAMILIES[0]!, STUDY_BUDGETS[1]!)!.config.baseFilters).toBe(16);
  });

  it('every fitted student is within its budget, and one step wider is not', () => {
    const budget = STUDY_BUDGETS[0]!;
    for (const family of STUDY_FAMILIES.slice(1, 6)) {
      const fitted = fitBudget(family, budget);
      expect(fitted, family.name).not.toBeNull();
      expect(fitted!.params).toBeLessThanOrEqual(budget.params);
      expect(fitted!.macs).toBeLessThanOrEqual(budget.macs);
      const wider = costOf(
        { ...fitted!.config, baseFilters: fitted!.config.baseFilters! + (family.widthStep ?? 1) },
        320,
        480,
      );
      expect(wider.params > budget.params || wider.macs > budget.macs).toBe(true);
    }
  });
});

describe('verdict', () => {
  const row = (
    family: string,
    budget: string,
    f1: number,
    f1Tolerant: number,
    latencyMs: number,
    folds = [0, 1],
  ) =>
    ({
      family,
      budget,
      f1,
      f1Tolerant,
      latencyMs,
      folds: folds.map((fold) => ({ fold })),
    }) as unknown as StudyRow;
  const result = (rows: StudyRow[]) =>
    ({
      options: { budgets: [{ name: '30k' }, { name: '120k' }] },
      rows,
    }) as unknown as StudyResult;

  it("names the students that beat the thesis's at equal or lower latency, on the same folds", () => {
    const text = studyVerdict(
      result([
        row('standard (thesis)', '30k', 0.65, 0.87, 100),
        row('separable', '30k', 0.66, 0.86, 90), // better strict, faster
        row('fire', '30k', 0.64, 0.88, 100), // better at 2 px, same latency
        row('xception', '30k', 0.7, 0.9, 101), // better but slower
        row('standard (thesis)', '120k', 0.7, 0.9, 80, [0]), // other folds
      ]),
    );
    expect(text).toContain('F1 0.6500, F1_2 0.8700, 100.0 ms; folds 0,1');
    expect(text).toContain('among the 3 students scored on the same folds');
    expect(text).toContain('better strict F1: separable (30k, 0.6600, 90.0 ms);');
    expect(text).toContain('better F1 within 2 px: fire (30k, 0.8800, 100.0 ms).');
    expect(text).toContain('1 other rows have other folds and are not compared.');
    expect(
      studyVerdict(
        result([
          row('standard (thesis)', '30k', 0.65, 0.87, 100),
          row('fire', '30k', 0.6, 0.8, 50),
        ]),
      ),
    ).toContain('better strict F1: none; better F1 within 2 px: none.');
    expect(studyVerdict(result([row('fire', '30k', 0.6, 0.8, 50)]))).toMatch(/no verdict/);
  });
});

describe('pareto plot', () => {
  it('finds the front: faster and better than every point it dominates', () => {
    const points = [
      { label: 'a', x: 10, y: 0.5 },
      { label: 'b', x: 20, y: 0.6 },
      { label: 'c', x: 15, y: 0.4 },
      { label: 'd', x: 30, y: 0.55 },
    ];
    expect(paretoFront(points)).toEqual([0, 1]);
  });

  it('draws a PNG of the requested size with the markers in their colours', () => {
    const png = paretoPng([{ label: 'one', x: 5, y: 0.5 }], { width: 320, height: 200 });
    const image = decodeImage(png, { channels: 3 });
    expect([image.width, image.height]).toEqual([320, 200]);
    let blue = 0;
    for (let i = 0; i < image.data.length; i += 3)
      if (image.data[i] === 31 && image.data[i + 1] === 119 && image.data[i + 2] === 180) blue += 1;
    expect(blue).toBeGreaterThan(40); // the marker (49 px) and the legend swatch (64 px)
  });

  it('widens the image for long labels and draws them whole', () => {
    const label = 'm'.repeat(40); // 'm' lights the glyph's last column
    const png = paretoPng([{ label, x: 5, y: 0.5 }]);
    const image = decodeImage(png, { channels: 3 });
    expect([image.width, image.height]).toEqual([460 + 36 + 8 * 40, 420]);
    // The last character's ink, 8 px from the right edge (a label cut at 20 characters has none).
    const right = image.width - 36 - 8 * 40 + 24 + 8 * 39;
    let ink = 0;
    for (let y = 30; y < 40; y += 1)
      for (let x = right; x < right + 6; x += 1)
        if (image.data[(y * image.width + x) * 3] === 0) ink += 1;
    expect(ink).toBeGreaterThan(0);
  });
});

/** The tiny synthetic smoke setting: 32x32 images, one epoch, the 'tiny' budget. */
function smoke(options: Partial<StudyOptions> & Pick<StudyOptions, 'folds' | 'out'>): StudyOptions {
  return {
    ...STUDY_DEFAULTS,
    data: { source: 'synthetic', train: 2, test: 1, width: 32, height: 32 },
    families: [STUDY_FAMILIES[0]!, STUDY_FAMILIES[1]!],
    budgets: [{ name: 'tiny', params: 2_000, macs: 2e6 }],
    epochs: 1,
    crop: 0,
    costSize: { height: 32, width: 32 },
    latencyRuns: 1,
    ...options,
  };
}

describe('runStudy on a tiny synthetic smoke setting', () => {
  it('trains, scores, costs and times two students per budget and writes the table and plots', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const result = await runStudy(smoke({ folds: [0, 1], out, log: (line) => lines.push(line) }));
    expect(tf.memory().numTensors).toBe(before);
    expect(result.backend).toBe('wasm');
    const [pruned, ...students] = [result.rows[2]!, result.rows[0]!, result.rows[1]!];
    expect(result.rows.map((r) => r.family)).toEqual([
      'standard (thesis)',
      'separable',
      `${pruned.prunedFrom?.family}, pruned 0.5`,
    ]);
    // The best student by mean F1 at 2 px is pruned on both folds and fine-tuned.
    const parent = students.find((r) => r.family === pruned.prunedFrom?.family)!;
    expect(parent.f1Tolerant).toBe(Math.max(...students.map((r) => r.f1Tolerant)));
    expect(pruned.folds.map((f) => f.fold)).toEqual([0, 1]);
    expect(pruned.params).toBeLessThan(parent.params);
    expect(pruned.macs).toBeLessThan(parent.macs);
    expect(pruned.latencyMs).toBeGreaterThan(0);
    for (const row of students) {
      expect(row.params).toBeLessThanOrEqual(2000);
      expect(row.macs).toBeLessThanOrEqual(2e6);
      const model = createUnet({ ...row.config, seed: 0 });
      expect(row.params).toBe(model.countParams());
      model.dispose();
      expect(row.folds.map((f) => f.fold)).toEqual([0, 1]);
      expect(row.f1).toBeGreaterThanOrEqual(0);
      expect(row.f1Tolerant).toBeGreaterThanOrEqual(row.f1);
      expect(row.latencyMs).toBeGreaterThan(0);
    }
    expect(result.rows.some((r) => r.pareto)).toBe(true);
    // folds, student-folds, pruned folds, latency (progress lines come every 60 s: none here)
    expect(lines.filter((line) => !/: step \d+\//.test(line))).toHaveLength(2 + 4 + 2 + 1);
    const table = readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(table).toContain('| tiny | standard (thesis) |');
    expect(table).toContain('| tiny | separable |');
    expect(table).toContain(', pruned 0.5 |');
    expect(table).toContain("Against the thesis's student (standard, tiny:");
    const saved = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(saved.rows).toHaveLength(3);
    const plot = decodeImage(readFileSync(path.join(out, 'pareto-tiny.png')), { channels: 3 });
    // Wide enough for the longest label beside a 400-px plot: 36 px of swatch and margin, 8 px a
    // character.
    expect([plot.width, plot.height]).toEqual([
      460 + 36 + 8 * 'standard (thesis), pruned 0.5'.length,
      420,
    ]);

    // Stopped and restarted: the stored student-folds are read back, nothing is trained again,
    // and the figures are the same.
    const again: string[] = [];
    const resumed = await runStudy(smoke({ folds: [0, 1], out, log: (line) => again.push(line) }));
    expect(again.filter((line) => line.startsWith('fold '))).toEqual([]);
    expect(again[0]).toBe(`4 student-folds read from earlier runs in ${out}`);
    expect(resumed.rows.map((r) => [r.f1, r.f1Tolerant])).toEqual(
      result.rows.map((r) => [r.f1, r.f1Tolerant]),
    );
    // The stored results without the saved models (as committed to docs/), and one fold of the
    // student that was not pruned missing: report-only does not time the pruned student with the
    // unpruned architecture (it says "not measured"), and the Pareto front and plot compare only
    // students scored on every fold.
    const copy = `${out}-copied`;
    cpSync(out, copy, { recursive: true });
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    const studentDirs = path.join(copy, 'runs', 'tiny');
    for (const dir of readdirSync(studentDirs))
      for (const entry of readdirSync(path.join(studentDirs, dir)))
        if (!entry.endsWith('.json'))
          rmSync(path.join(studentDirs, dir, entry), { recursive: true });
    const other = students.find((r) => r !== parent)!;
    rmSync(recordPath(copy, other, 1));
    const copied: string[] = [];
    const report = await runStudy(
      smoke({ folds: [0, 1], out: copy, reportOnly: true, log: (line) => copied.push(line) }),
    );
    const byFamily = (family: string) => report.rows.find((r) => r.family === family)!;
    expect(Number.isNaN(byFamily(pruned.family).latencyMs)).toBe(true);
    expect(copied).toContain(
      `latency: ${pruned.family} (tiny): no pruned model saved in ${copy}; not measured`,
    );
    expect(readFileSync(path.join(copy, 'results.md'), 'utf8')).toContain(
      `| ${pruned.family} | ${pruned.config.baseFilters} | ${pruned.params} | ${(pruned.macs / 1e9).toFixed(3)} | not measured | 2 |`,
    );
    expect(byFamily(other.family).folds.map((f) => f.fold)).toEqual([0]);
    expect(report.rows.map((r) => [r.family, r.pareto])).toEqual([
      ...students.map((r) => [r.family, r === parent]),
      [pruned.family, false],
    ]);
    expect(byFamily(parent.family).latencyMs).toBeGreaterThan(0);

    // Report-only on fold 0 alone with only fold 1's pruned model kept: that model times it
    // (pruning at one ratio gives every fold the same architecture).
    const fold1Only = `${out}-fold-1-model`;
    cpSync(out, fold1Only, { recursive: true });
    onTestFinished(() => rmSync(fold1Only, { recursive: true, force: true }));
    rmSync(recordPath(fold1Only, pruned, 0).replace(/\.json$/, ''), { recursive: true });
    const fold0 = await runStudy(smoke({ folds: [0], out: fold1Only, reportOnly: true }));
    expect(fold0.rows.find((r) => r.family === pruned.family)!.latencyMs).toBeGreaterThan(0);

    // Another recipe (2 epochs) does not reuse them: report-only has nothing to show.
    const otherRecipe = await runStudy(
      smoke({ folds: [0, 1], families: [STUDY_FAMILIES[0]!], epochs: 2, out, reportOnly: true }),
    );
    expect(otherRecipe.rows[0]!.folds).toEqual([]);
    expect(Number.isNaN(otherRecipe.rows[0]!.f1)).toBe(true);
    expect(readFileSync(path.join(out, 'results.md'), 'utf8')).toContain(
      '| 0 | not run | not run |',
    );
    expect(tf.memory().numTensors).toBe(before);
  }, 600_000);

  it('does not prune a student whose blocks @crack/prune cannot prune (ShuffleNet), and says so', async () => {
    const lines: string[] = [];
    const result = await runStudy(
      smoke({
        folds: [0],
        families: [STUDY_FAMILIES[4]!],
        out: path.join(out, 'shuffle'),
        log: (line) => lines.push(line),
        progressEverySeconds: 0,
      }),
    );
    // With progress every 0 s: a line after every step of the 2 training images, with the ETA.
    expect(lines.filter((line) => line.startsWith('fold 0 tiny shuffle: step '))).toEqual([
      expect.stringMatching(
        /^fold 0 tiny shuffle: step 1\/2 \(50 %\), epoch 1\/1, loss \d+\.\d{4}, \d+ s elapsed, ETA \d+ s$/,
      ),
      expect.stringMatching(/^fold 0 tiny shuffle: step 2\/2 \(100 %\), epoch 1\/1, .*ETA 0 s$/),
    ]);
    expect(result.rows.map((r) => r.family)).toEqual(['shuffle']);
    expect(lines.some((line) => /^prune: shuffle has no prunable channel group/.test(line))).toBe(
      true,
    );
  }, 600_000);
});
