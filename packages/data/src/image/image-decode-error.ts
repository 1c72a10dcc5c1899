/** Why an image could not be decoded; stable codes for programs, the message is for people. */
export type ImageDecodeProblem =
  | 'empty'
  | 'unknown-format'
  | 'truncated'
  | 'zero-size'
  | 'corrupt'
  /** Larger than `maxMegapixels`, or than the decoder's memory budget for that size. */
  | 'too-large';

/**
 * Thrown by the decoders when bytes are not a usable JPEG or PNG. The message names the
 * function, the file (when known) and the problem, e.g.
 * `decodeImage: images/007.jpg: truncated JPEG (no end-of-image marker after the scan data)`.
 */
export class ImageDecodeError extends Error {
  /** The problem, as a stable code. */
  readonly problem: ImageDecodeProblem;
  /** The file or label the bytes came from, when the caller named it. */
  readonly file: string | undefined;

  constructor(fn: string, file: string | undefined, problem: ImageDecodeProblem, detail: string) {
    super(`${fn}: ${file ?? '(bytes)'}: ${detail}`);
    this.name = 'ImageDecodeError';
    this.problem = problem;
    this.file = file;
  }
}
