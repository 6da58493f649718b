/**
 * Kaplan–Meier survival analysis, pure: the product-limit estimate with Greenwood's variance and
 * pointwise 95% intervals on the log(−log S) scale, the median with its Brookmeyer–Crowley interval
 * (the same transform, inverted), the number at risk, and the log-rank test. The formulas are in
 * docs/user-guide.md ("Kaplan–Meier"); the conventions are R survival's and SAS LIFETEST's
 * (CONFTYPE=LOGLOG), so results can be compared with either.
 */

/** z for a two-sided 95% interval (the 0.975 quantile of the standard normal). */
export const Z95 = 1.959963984540054;

/** Subjects whose time is `time`: how many had the event then and how many were censored then. */
export interface TimeCount {
  time: number;
  events: number;
  censored: number;
}

/** The curve just after `time`. */
export interface Step {
  time: number;
  /** At risk just before `time` (time ≥ `time`). */
  atRisk: number;
  events: number;
  censored: number;
  survival: number;
  /** Pointwise 95% interval; null once the curve reaches 0 (no interval is defined there). */
  low: number | null;
  high: number | null;
}

export interface Median {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

export interface Curve {
  subjects: number;
  events: number;
  steps: Step[];
  median: Median;
}

/** Merges counts of equal times and sorts them; drops non-finite or negative times. */
function tidy(counts: readonly TimeCount[]): TimeCount[] {
  const byTime = new Map<number, TimeCount>();
  for (const c of counts) {
    if (!Number.isFinite(c.time) || c.time < 0) continue;
    const at = byTime.get(c.time) ?? { time: c.time, events: 0, censored: 0 };
    at.events += c.events;
    at.censored += c.censored;
    byTime.set(c.time, at);
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

/**
 * The product-limit estimate S(t) = Π (1 − dⱼ/nⱼ) over event times tⱼ ≤ t. At a time with both,
 * events come before censorings (a subject censored at t was at risk at t). Interval:
 * S^exp(±z·σ/|ln S|) with σ² = Σ dⱼ / (nⱼ(nⱼ − dⱼ)) (Greenwood); while S = 1 the interval is [1, 1].
 */
export function kaplanMeier(counts: readonly TimeCount[]): Curve {
  const times = tidy(counts);
  const subjects = times.reduce((sum, c) => sum + c.events + c.censored, 0);
  let atRisk = subjects;
  let survival = 1;
  let greenwood = 0;
  let events = 0;
  const steps: Step[] = [];
  for (const { time, events: d, censored } of times) {
    if (d > 0) {
      survival *= 1 - d / atRisk;
      greenwood = atRisk > d ? greenwood + d / (atRisk * (atRisk - d)) : Number.POSITIVE_INFINITY;
      events += d;
    }
    steps.push({ time, atRisk, events: d, censored, survival, ...logLogInterval(survival, greenwood) });
    atRisk -= d + censored;
  }
  return { subjects, events, steps, median: median(steps) };
}

function logLogInterval(survival: number, greenwood: number): { low: number | null; high: number | null } {
  if (survival >= 1) return { low: 1, high: 1 };
  if (survival <= 0 || !Number.isFinite(greenwood)) return { low: null, high: null };
  const spread = (Z95 * Math.sqrt(greenwood)) / Math.abs(Math.log(survival));
  return { low: survival ** Math.exp(spread), high: survival ** Math.exp(-spread) };
}

const HALF = 0.5;
const EPSILON = 1e-12;

/**
 * The median: the first time S(t) ≤ 0.5; where S is exactly 0.5 up to the next event, the midpoint
 * of that flat part (R survival's rule). Its 95% interval inverts the pointwise intervals
 * (Brookmeyer–Crowley on the log(−log) scale): from the first time the lower limit is ≤ 0.5 to the
 * first time the upper limit is ≤ 0.5; null (not estimable) when that never happens.
 */
export function median(steps: readonly Step[]): Median {
  // A limit that is not defined (the curve at 0) never counts as reaching 0.5, as in R.
  const first = (value: (s: Step) => number | null) =>
    steps.findIndex((s) => {
      const v = value(s);
      return v !== null && v <= HALF + EPSILON;
    });
  const at = first((s) => s.survival);
  let estimate: number | null = null;
  const step = steps[at];
  if (step) {
    estimate = step.time;
    if (Math.abs(step.survival - HALF) <= EPSILON) {
      const next = steps.slice(at + 1).find((s) => s.events > 0);
      if (next) estimate = (step.time + next.time) / 2;
    }
  }
  const low = steps[first((s) => s.low)]?.time ?? null;
  const high = steps[first((s) => s.high)]?.time ?? null;
  return { estimate, low, high };
}

/** How many of the subjects are still at risk at `time` (their time is ≥ it). */
export function atRiskAt(counts: readonly TimeCount[], time: number): number {
  return counts.reduce((sum, c) => (c.time >= time ? sum + c.events + c.censored : sum), 0);
}

/** A round step for `span` split in about `parts` (1, 2, 2.5 or 5 × a power of ten). */
export function niceStep(span: number, parts = 6): number {
  if (!(span > 0)) return 1;
  const raw = span / parts;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10;
  return step * power;
}

export interface LogRank {
  chiSquare: number;
  df: number;
  p: number;
}

/**
 * The log-rank test of k groups: U = Σⱼ (d_gj − n_gj·Dⱼ/Nⱼ) per group, its covariance
 * V_gh = Σⱼ Dⱼ(Nⱼ − Dⱼ)/(Nⱼ − 1) · (n_gj/Nⱼ)(δ_gh − n_hj/Nⱼ), and χ² = Uᵀ V⁻¹ U over the first
 * k − 1 groups, on k − 1 degrees of freedom. Null with fewer than two groups or no events.
 */
export function logRank(groups: ReadonlyArray<readonly TimeCount[]>): LogRank | null {
  const tidied = groups.map(tidy).filter((g) => g.some((c) => c.events + c.censored > 0));
  const k = tidied.length;
  if (k < 2) return null;
  const eventTimes = [...new Set(tidied.flatMap((g) => g.filter((c) => c.events > 0).map((c) => c.time)))].sort(
    (a, b) => a - b,
  );
  if (eventTimes.length === 0) return null;
  const u = new Array<number>(k).fill(0);
  const v = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const time of eventTimes) {
    const n = tidied.map((g) => atRiskAt(g, time));
    const d = tidied.map((g) => g.find((c) => c.time === time)?.events ?? 0);
    const total = n.reduce((a, b) => a + b, 0);
    const deaths = d.reduce((a, b) => a + b, 0);
    for (let g = 0; g < k; g++) u[g] = (u[g] as number) + (d[g] as number) - ((n[g] as number) * deaths) / total;
    if (total < 2) continue;
    const factor = (deaths * (total - deaths)) / (total - 1);
    for (let g = 0; g < k; g++) {
      for (let h = 0; h < k; h++) {
        const share = (n[g] as number) / total;
        const cov = factor * share * ((g === h ? 1 : 0) - (n[h] as number) / total);
        (v[g] as number[])[h] = ((v[g] as number[])[h] as number) + cov;
      }
    }
  }
  const df = k - 1;
  const solved = solve(
    v.slice(0, df).map((row) => row.slice(0, df)),
    u.slice(0, df),
  );
  if (!solved) return null;
  const chiSquare = solved.reduce((sum, x, i) => sum + x * (u[i] as number), 0);
  return { chiSquare, df, p: chiSquareSurvival(chiSquare, df) };
}

/** x with A·x = b (Gaussian elimination, partial pivoting); null when A is singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) pivot = r;
    if (Math.abs((m[pivot] as number[])[col] as number) < 1e-12) return null;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const row = m[col] as number[];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = m[r] as number[];
      const f = (other[col] as number) / (row[col] as number);
      for (let c = col; c <= n; c++) other[c] = (other[c] as number) - f * (row[c] as number);
    }
  }
  return m.map((row, i) => (row[n] as number) / (row[i] as number));
}

/** P(X > x) for X ~ χ²(df): the regularized upper incomplete gamma Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperGamma(df / 2, x / 2);
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, nine terms: about 15 significant digits). */
function lnGamma(z: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i++) sum += (c[i] as number) / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Q(a, x): a series for x < a + 1, else a continued fraction (modified Lentz). */
function upperGamma(a: number, x: number): number {
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - sum * front);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.min(1, front * h);
}
