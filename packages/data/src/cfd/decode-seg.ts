/** Options for {@link decodeSeg}. */
export interface DecodeSegOptions {
  /** Segment label that is crack. Default 1 (CFD: 0 background, 1 crack). */
  crackSegment?: number;
  /** A file name for error messages. Default none. */
  name?: string;
}

/** A decoded `.seg` file: the crack mask and the header's size. */
export interface DecodedSeg {
  /** 0/1, `width * height`, row-major; 1 where the run's segment is `crackSegment`. */
  mask: Uint8Array;
  /** Width from the header. */
  width: number;
  /** Height from the header. */
  height: number;
}

/**
 * Decodes a BSDS-style `.seg` run-length annotation (the CrackForest `seg/NNN.seg` files), so
 * no MATLAB reader is needed. The header is `key value` lines (`width`, `height`, ...) ending
 * with `data`; each data line is `segment row colStart colEnd`, 0-based and inclusive.
 *
 * @throws Error naming the file and line for a missing size, a malformed line or a run
 *   outside the image.
 */
export function decodeSeg(source: string | Uint8Array, options: DecodeSegOptions = {}): DecodedSeg {
  const { crackSegment = 1, name } = options;
  const where = name ? `${name}: ` : '';
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  const lines = text.split(/\r?\n/);
  const header: Record<string, string> = {};
  let line = 0;
  for (; line < lines.length; line++) {
    const content = (lines[line] ?? '').trim();
    if (content === 'data') break;
    const space = content.indexOf(' ');
    if (space > 0) header[content.slice(0, space)] = content.slice(space + 1).trim();
  }
  if (line >= lines.length) throw new Error(`decodeSeg: ${where}no "data" line; not a .seg file`);
  const width = Number(header.width);
  const height = Number(header.height);
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0)
    throw new Error(
      `decodeSeg: ${where}header width/height must be positive integers, got ${header.width}x${header.height}`,
    );
  const mask = new Uint8Array(width * height);
  for (line += 1; line < lines.length; line++) {
    const content = (lines[line] ?? '').trim();
    if (content === '') continue;
    const parts = content.split(/\s+/).map(Number);
    const [segment, row, start, end] = parts as [number, number, number, number];
    if (parts.length !== 4 || !parts.every(Number.isInteger))
      throw new Error(
        `decodeSeg: ${where}line ${line + 1}: expected "segment row colStart colEnd", got "${content}"`,
      );
    if (row < 0 || row >= height || start < 0 || end >= width || start > end)
      throw new Error(
        `decodeSeg: ${where}line ${line + 1}: run row ${row} cols ${start}-${end} is outside ${width}x${height}`,
      );
    if (segment === crackSegment) mask.fill(1, row * width + start, row * width + end + 1);
  }
  return { mask, width, height };
}
