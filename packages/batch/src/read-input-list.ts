import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** File names taken as lists of inputs rather than as photos. */
export const LIST_EXTENSIONS = /\.(txt|list|jsonl|ndjson)$/i;

/**
 * Reads a list of inputs: one path or http(s) URL per line (`.txt`, `.list`), or JSON Lines
 * (`.jsonl`, `.ndjson`) whose lines are a string or an object with `input`, `path` or `url`.
 * Blank lines and lines starting with `#` are skipped; relative paths are relative to the
 * list's folder. Errors name the list and the line.
 */
export async function readInputList(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const json = /\.(jsonl|ndjson)$/i.test(file);
  const folder = path.dirname(path.resolve(file));
  const inputs: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let entry: unknown = line;
    if (json) {
      try {
        entry = JSON.parse(line);
      } catch (error) {
        throw new Error(`${file}:${index + 1}: not JSON (${(error as Error).message})`);
      }
      if (entry !== null && typeof entry === 'object') {
        const record = entry as Record<string, unknown>;
        entry = record.input ?? record.path ?? record.url;
      }
      if (typeof entry !== 'string' || entry === '')
        throw new Error(
          `${file}:${index + 1}: expected a string or an object with "input", "path" or "url"`,
        );
    }
    const value = entry as string;
    inputs.push(isUrl(value) ? value : path.resolve(folder, value));
  }
  return inputs;
}

/** Whether `input` is an http(s) URL (else it is a path). */
export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}
