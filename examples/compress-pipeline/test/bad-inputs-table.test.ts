/**
 * Issue 17: docs/bad-inputs.md is produced by src/bad-inputs-table.ts from real runs of the built
 * CLIs and the APIs; this test reruns them and fails when the document no longer matches.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { badInputRows, renderTable, TABLE_FILE } from '../src/bad-inputs-table';

/** The reason an OS gives for refusing /proc/x differs (ENOENT as root, EACCES otherwise). */
const anyProcReason = (text: string) =>
  text.replace(/(cannot create the folder \/proc\/x: )[^`]*/, '$1<reason>');

describe('docs/bad-inputs.md', () => {
  it(
    'matches what the CLIs and APIs do today',
    async () => {
      const rows = await badInputRows();
      expect(rows.length).toBeGreaterThanOrEqual(18);
      expect(anyProcReason(renderTable(rows))).toBe(
        anyProcReason(readFileSync(TABLE_FILE, 'utf8')),
      );
    },
    30 * 60_000,
  );
});
