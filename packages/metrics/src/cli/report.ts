import type { OptimalThreshold } from '../aggregate';
import type { Ratios, Scores } from '../types';

/** One evaluated image. */
export interface ImageReport extends Scores {
  /** The base name the files were matched by. */
  name: string;
  /** With --sweep: the image's best F1 over thresholds. */
  bestF1?: number;
}

/** A ground-truth image whose prediction (or itself) could not be used as it is. */
export interface BadImage {
  /** The ground truth's base name. */
  name: string;
  /** The file at fault. */
  file: string;
  /** What is wrong, e.g. "prediction is 8x6 but ground truth is 16x12". */
  reason: string;
  /** True when the image was scored as an empty prediction; false for an unreadable ground truth. */
  scored: boolean;
}

/** What `crack-metrics --json` prints. */
export interface Report {
  /** Ground-truth images scored (missing and bad predictions included, as empty ones). */
  images: number;
  tolerance: number;
  /** With --sweep: the threshold `micro`, `macro` and `perImage` are computed at. */
  threshold?: number;
  micro: Scores;
  macro: Ratios;
  ods?: OptimalThreshold;
  ois?: number;
  ap?: number;
  /** With --per-image. */
  perImage?: ImageReport[];
  /** Ground-truth names without a prediction file; scored as empty predictions. */
  missing: string[];
  /** Unreadable or wrong-size predictions (scored as empty) and unreadable ground truths. */
  bad: BadImage[];
}

const fixed = (value: number) => value.toFixed(4);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The human-readable form of a report. */
export function formatReport(report: Report): string {
  const parts: string[] = [];
  const at = report.threshold === undefined ? '' : `, probabilities >= ${report.threshold}`;
  parts.push(`${report.images} image(s), tolerance ${report.tolerance} px${at}`);
  const counts = (s: Scores) => [s.tpPred, s.pred, s.tpGt, s.gt].map(String);
  const { micro, macro } = report;
  parts.push(
    table(
      ['', 'precision', 'recall', 'f1', 'tpPred', 'pred', 'tpGt', 'gt'],
      [
        ['micro', fixed(micro.precision), fixed(micro.recall), fixed(micro.f1), ...counts(micro)],
        ['macro', fixed(macro.precision), fixed(macro.recall), fixed(macro.f1), '', '', '', ''],
      ],
    ),
  );
  if (report.ods && report.ois !== undefined && report.ap !== undefined) {
    const { ods } = report;
    parts.push(
      table(
        ['sweep', 'threshold', 'precision', 'recall', 'f1'],
        [
          ['ODS', String(ods.threshold), fixed(ods.precision), fixed(ods.recall), fixed(ods.f1)],
          ['OIS', '', '', '', fixed(report.ois)],
          ['AP', '', '', '', fixed(report.ap)],
        ],
      ),
    );
  }
  if (report.missing.length > 0 || report.bad.length > 0) {
    const lines = [
      `${report.missing.length} missing and ${report.bad.filter((b) => b.scored).length} bad prediction(s) scored as empty`,
      ...report.missing.map((name) => `  missing  ${name}`),
      ...report.bad.map(
        (b) => `  bad      ${b.name}: ${b.reason}${b.scored ? '' : ' (ground truth, not scored)'}`,
      ),
    ];
    parts.push(lines.join('\n'));
  }
  if (report.perImage) {
    const sweep = report.perImage.some((image) => image.bestF1 !== undefined);
    parts.push(
      table(
        [
          'image',
          'precision',
          'recall',
          'f1',
          ...(sweep ? ['best f1'] : []),
          'tpPred',
          'pred',
          'tpGt',
          'gt',
        ],
        report.perImage.map((image) => [
          image.name,
          fixed(image.precision),
          fixed(image.recall),
          fixed(image.f1),
          ...(sweep ? [fixed(image.bestF1 ?? Number.NaN)] : []),
          ...counts(image),
        ]),
      ),
    );
  }
  return `${parts.join('\n\n')}\n`;
}

/** What `crack-metrics --classes N --json` prints. */
export interface ClassReport {
  /** Ground-truth images scored. */
  images: number;
  /** N. */
  classes: number;
  /** IoU of every class over the dataset; null for a class in neither predictions nor truths. */
  perClassIoU: Array<number | null>;
  /** Mean of the non-null per-class IoUs (null when there is none). */
  meanIoU: number | null;
  /** TP per class, summed over the images. */
  intersection: number[];
  /** TP + FP + FN per class, summed over the images. */
  union: number[];
  /** Ground-truth names without a prediction file; scored as all class 0. */
  missing: string[];
  /** Unreadable or wrong-size predictions (scored as all class 0) and unreadable ground truths. */
  bad: BadImage[];
}

/** The human-readable form of a `--classes` report. */
export function formatClassReport(report: ClassReport): string {
  const iou = (v: number | null) => (v === null ? '-' : fixed(v));
  const parts = [
    `${report.images} image(s), ${report.classes} classes`,
    table(
      ['class', 'IoU', 'intersection', 'union'],
      [
        ...report.perClassIoU.map((v, c) => [
          String(c),
          iou(v),
          String(report.intersection[c]),
          String(report.union[c]),
        ]),
        ['mean IoU', iou(report.meanIoU), '', ''],
      ],
    ),
  ];
  if (report.missing.length > 0 || report.bad.length > 0) {
    parts.push(
      [
        `${report.missing.length} missing and ${report.bad.filter((b) => b.scored).length} bad prediction(s) scored as all class 0`,
        ...report.missing.map((name) => `  missing  ${name}`),
        ...report.bad.map(
          (b) =>
            `  bad      ${b.name}: ${b.reason}${b.scored ? '' : ' (ground truth, not scored)'}`,
        ),
      ].join('\n'),
    );
  }
  return `${parts.join('\n\n')}\n`;
}
