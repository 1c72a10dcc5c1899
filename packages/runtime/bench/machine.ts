// The machine a benchmark ran on, for its JSON lines: figures are only comparable within one run
// on one CPU, so every bench says which.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** What `lscpu` says of this CPU (or Node's own view where there is no lscpu). */
export interface Machine {
  /** The model name, e.g. 'AMD EPYC' or 'Intel(R) Xeon(R) ...'. */
  cpu: string;
  cpus: number;
  threadsPerCore?: number;
  /** Which of AVX2, AVX-512F and FMA it has (what PyTorch's and onnxruntime's kernels use). */
  flags?: string[];
}

let known: Machine | undefined;

/** This machine's CPU (read once). */
export function machine(): Machine {
  if (known) return known;
  try {
    const text = execFileSync('lscpu', { encoding: 'utf8' });
    const field = (name: string) =>
      new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? undefined;
    known = {
      cpu: field('Model name') ?? 'unknown',
      cpus: Number(field('CPU\\(s\\)')),
      threadsPerCore: Number(field('Thread\\(s\\) per core')),
      flags: ['avx2', 'avx512f', 'fma'].filter((flag) =>
        new RegExp(`\\b${flag}\\b`).test(field('Flags') ?? ''),
      ),
    };
  } catch {
    known = { cpu: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length };
  }
  return known;
}
