/**
 * Bin arithmetic for the histogram, kept apart because floating point makes it subtle: a bin is
 * `[index × width, (index + 1) × width)`, the same `floor(x / width)` the query engine groups by.
 */

/** More bins than this are not filled in between (a bin width far too small for the data). */
export const MAX_FILLED_BINS = 500;

/** Nudges `x / width` that floating point leaves just below a whole number (0.3 / 0.1 = 2.9999…). */
const EPSILON = 1e-9;

export function binIndex(value: number, width: number): number {
  return Math.floor(value / width + EPSILON);
}

/**
 * A round bin width (1, 2, 2.5 or 5 × 10^k) that cuts `[min, max]` into about `bins` bins. Integer
 * data (ages, counts) gets whole-number widths of at least 1, so no bin straddles half a year.
 */
export function niceWidth(min: number, max: number, bins: number, integers: boolean): number {
  const range = max - min;
  const raw = range > 0 ? range / bins : Math.abs(min) > 0 ? Math.abs(min) / 10 : 1;
  const exponent = Math.floor(Math.log10(raw));
  const scale = 10 ** exponent;
  const steps = integers && exponent <= 0 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = steps.find((s) => raw / scale <= s + EPSILON) ?? 10;
  const width = Number((step * scale).toPrecision(12));
  return integers ? Math.max(1, width) : width;
}

/** Decimals needed to write multiples of `width` exactly (0.25 → 2, 5 → 0). */
export function decimalsOf(width: number): number {
  for (let d = 0; d < 10; d++) {
    const scaled = width * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < EPSILON * Math.max(1, scaled)) return d;
  }
  return 10;
}

/** The low and high edge of bin `index`, rounded to what the width can express. */
export function edgesOf(index: number, width: number): [number, number] {
  const factor = 10 ** decimalsOf(width);
  return [Math.round(index * width * factor) / factor, Math.round((index + 1) * width * factor) / factor];
}
