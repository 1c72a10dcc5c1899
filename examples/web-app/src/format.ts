/** Number formatting for the result panel. */

/** "123 ms" under 10 s, else "12.3 s". */
export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A length in pixels, and in millimetres when a scale is known. */
export function formatLength(px: number, mmPerPixel: number | null): string {
  const pixels = `${px < 10 ? px.toFixed(1) : Math.round(px).toLocaleString('en')} px`;
  return mmPerPixel ? `${formatMm(px * mmPerPixel)} (${pixels})` : pixels;
}

/** An area in pixels, and in mm² when a scale is known. */
export function formatArea(px: number, mmPerPixel: number | null): string {
  const pixels = `${Math.round(px).toLocaleString('en')} px²`;
  return mmPerPixel ? `${(px * mmPerPixel ** 2).toFixed(1)} mm² (${pixels})` : pixels;
}

function formatMm(mm: number): string {
  return mm >= 1000 ? `${(mm / 1000).toFixed(2)} m` : `${mm.toFixed(1)} mm`;
}

/** 29529 -> "29.5 k", 1086259200 -> "1.09 G". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}
