/**
 * The report of a run: a table in the layout of the thesis's Table 4-6 (Pr, Re, F1 strict and
 * with the tolerance) with params, MACs and latency per model, as Markdown and JSON.
 */
import type { StoredEvaluation } from './stages/evaluate';

/** One row of the report. */
export interface ReportRow {
  id: string;
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Tolerant scores (Pr2, Re2, F1_2 with the default 2 px). */
  precisionTolerant: number;
  recallTolerant: number;
  f1Tolerant: number;
  /** Every parameter (biases included), = countParams(). */
  params: number;
  /** Kernel weights only (the thesis's parameter convention, eq 4-1). */
  weights: number;
  /** Multiply-adds at the evaluation size (eq 4-2). */
  macs: number;
  /** Median forward time of one image at the evaluation size, on the run's backend. */
  latencyMs: number;
  /**
   * Threshold-free scores with the tolerance (F1 at the best dataset threshold, mean of the best
   * per-image F1, average precision); null in reports made before they were computed.
   */
  odsTolerant: number | null;
  oisTolerant: number | null;
  apTolerant: number | null;
}

/** A report row from a model's evaluation (micro-averaged scores, the metrics package's default). */
export function reportRow(model: StoredEvaluation): ReportRow {
  return {
    id: model.id,
    label: model.label,
    precision: model.strict.micro.precision,
    recall: model.strict.micro.recall,
    f1: model.strict.micro.f1,
    precisionTolerant: model.tolerant.micro.precision,
    recallTolerant: model.tolerant.micro.recall,
    f1Tolerant: model.tolerant.micro.f1,
    params: model.cost.params,
    weights: model.cost.weights,
    macs: model.cost.macs,
    latencyMs: model.latency.medianMs,
    odsTolerant: model.sweep?.tolerant.ods.f1 ?? null,
    oisTolerant: model.sweep?.tolerant.ois ?? null,
    apTolerant: model.sweep?.tolerant.ap ?? null,
  };
}

/** The Markdown table of the rows (tolerance in the column names, e.g. F1_2). */
export function reportTable(rows: readonly ReportRow[], tolerance: number): string {
  const t = Number.isInteger(tolerance) ? String(tolerance) : tolerance.toFixed(1);
  const header = `| model | Pr | Re | F1 | Pr${t} | Re${t} | F1_${t} | ODS_${t} | OIS_${t} | AP_${t} | params | MACs | latency (ms) |`;
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((row) =>
    [
      row.label,
      ...[
        row.precision,
        row.recall,
        row.f1,
        row.precisionTolerant,
        row.recallTolerant,
        row.f1Tolerant,
      ].map((value) => value.toFixed(4)),
      ...[row.odsTolerant, row.oisTolerant, row.apTolerant].map((value) =>
        value === null || value === undefined ? '–' : value.toFixed(4),
      ),
      row.params.toLocaleString('en-US'),
      formatMacs(row.macs),
      row.latencyMs.toFixed(1),
    ].join(' | '),
  );
  return [header, rule, ...lines.map((line) => `| ${line} |`)].join('\n');
}

/** 1086259200 -> "1.09 G", 627302400 -> "627.3 M". */
export function formatMacs(macs: number): string {
  if (macs >= 1e9) return `${(macs / 1e9).toFixed(2)} G`;
  if (macs >= 1e6) return `${(macs / 1e6).toFixed(1)} M`;
  return `${(macs / 1e3).toFixed(1)} k`;
}

/** The thesis's Table 4-6 (CFD, 6-fold means), for comparison in every report. */
export const THESIS_TABLE_4_6 = `| model (thesis, CFD, 6-fold means) | Pr | Re | F1 | Pr2 | Re2 | F1_2 | params | MACs at 480x320 |
|---|---|---|---|---|---|---|---|---|
| U-Net (4 pools, 64 ch) | 0.6824 | 0.6927 | 0.6743 | 0.9242 | 0.8826 | 0.8966 | 31,032,257 | 128.07 G |
| distilled student (2 pools, 8 ch) | 0.6794 | 0.6511 | 0.6456 | 0.9214 | 0.8324 | 0.8629 | 29,529 | 1.09 G |
| distilled + pruned | 0.6401 | 0.6888 | 0.6446 | 0.9013 | 0.8471 | 0.8620 | ~16 k | 509 M (thesis's count) |`;

/** Mean of each numeric column over folds, per model id (models missing in a fold are averaged over the folds that have them). */
export function meanRows(folds: readonly (readonly ReportRow[])[]): ReportRow[] {
  const byId = new Map<string, ReportRow[]>();
  for (const rows of folds)
    for (const row of rows) byId.set(row.id, [...(byId.get(row.id) ?? []), row]);
  return [...byId.values()].map((rows) => {
    const first = rows[0] as ReportRow;
    const mean = (key: keyof ReportRow): number =>
      rows.reduce((sum, row) => sum + (row[key] as number), 0) / rows.length;
    const meanOrNull = (key: 'odsTolerant' | 'oisTolerant' | 'apTolerant'): number | null =>
      rows.every((row) => typeof row[key] === 'number') ? mean(key) : null;
    return {
      id: first.id,
      label: first.label,
      precision: mean('precision'),
      recall: mean('recall'),
      f1: mean('f1'),
      precisionTolerant: mean('precisionTolerant'),
      recallTolerant: mean('recallTolerant'),
      f1Tolerant: mean('f1Tolerant'),
      params: mean('params'),
      weights: mean('weights'),
      macs: mean('macs'),
      latencyMs: mean('latencyMs'),
      odsTolerant: meanOrNull('odsTolerant'),
      oisTolerant: meanOrNull('oisTolerant'),
      apTolerant: meanOrNull('apTolerant'),
    };
  });
}
