/**
 * A small, independent Kaplan–Meier and log-rank written for the tests from the textbook formulas,
 * subject by subject (no per-time aggregation, no shared code with `@cdp/widgets`), to check the
 * widget's numbers on real data.
 */

export interface Subject {
  time: number;
  event: boolean;
}

export interface ReferenceStep {
  time: number;
  atRisk: number;
  survival: number;
  low: number | null;
  high: number | null;
}

const Z = 1.959963984540054;

/** S(t) at every distinct time, with Greenwood's variance and the log(−log) 95% interval. */
export function referenceCurve(subjects: readonly Subject[]): ReferenceStep[] {
  const times = [...new Set(subjects.map((s) => s.time))].sort((a, b) => a - b);
  let survival = 1;
  let sum = 0;
  const out: ReferenceStep[] = [];
  for (const time of times) {
    const atRisk = subjects.filter((s) => s.time >= time).length;
    const deaths = subjects.filter((s) => s.time === time && s.event).length;
    survival = survival * ((atRisk - deaths) / atRisk);
    if (deaths > 0) sum = atRisk === deaths ? Number.NaN : sum + deaths / (atRisk * (atRisk - deaths));
    let low: number | null = null;
    let high: number | null = null;
    if (survival === 1) {
      low = 1;
      high = 1;
    } else if (survival > 0 && !Number.isNaN(sum)) {
      // log(−log S) ± z·se, se = √Σ / |log S|, transformed back: exp(−exp(·)).
      const center = Math.log(-Math.log(survival));
      const se = Math.sqrt(sum) / Math.abs(Math.log(survival));
      low = Math.exp(-Math.exp(center + Z * se));
      high = Math.exp(-Math.exp(center - Z * se));
    }
    out.push({ time, atRisk, survival, low, high });
  }
  return out;
}

/** The median and its interval: where the curve and its limits first reach 0.5 (midpoint rule for a flat 0.5). */
export function referenceMedian(curve: readonly ReferenceStep[], subjects: readonly Subject[]) {
  const reach = (pick: (s: ReferenceStep) => number | null) =>
    curve.find((s) => {
      const v = pick(s);
      return v !== null && v <= 0.5 + 1e-12;
    })?.time ?? null;
  let estimate = reach((s) => s.survival);
  const at = curve.find((s) => s.time === estimate);
  if (at && Math.abs(at.survival - 0.5) < 1e-12) {
    const next = subjects.filter((s) => s.event && s.time > at.time).map((s) => s.time);
    if (next.length > 0) estimate = (at.time + Math.min(...next)) / 2;
  }
  return { estimate, low: reach((s) => s.low), high: reach((s) => s.high) };
}

/** The log-rank χ² of three groups (two degrees of freedom, V inverted in closed form) and its p = e^(−χ²/2). */
export function referenceLogRank3([g1, g2, g3]: readonly [Subject[], Subject[], Subject[]]) {
  const all = [...g1, ...g2, ...g3];
  const eventTimes = [...new Set(all.filter((s) => s.event).map((s) => s.time))].sort((a, b) => a - b);
  const atRisk = (g: Subject[], t: number) => g.filter((s) => s.time >= t).length;
  const deaths = (g: Subject[], t: number) => g.filter((s) => s.time === t && s.event).length;
  // U for groups 1 and 2 (O − E) and their 2×2 hypergeometric covariance [[v11, v12], [v12, v22]].
  let u1 = 0;
  let u2 = 0;
  let v11 = 0;
  let v12 = 0;
  let v22 = 0;
  for (const t of eventTimes) {
    const n1 = atRisk(g1, t);
    const n2 = atRisk(g2, t);
    const n = n1 + n2 + atRisk(g3, t);
    const d = deaths(g1, t) + deaths(g2, t) + deaths(g3, t);
    u1 += deaths(g1, t) - (n1 * d) / n;
    u2 += deaths(g2, t) - (n2 * d) / n;
    if (n < 2) continue;
    const w = (d * (n - d)) / (n - 1);
    v11 += (w * n1 * (n - n1)) / (n * n);
    v22 += (w * n2 * (n - n2)) / (n * n);
    v12 -= (w * n1 * n2) / (n * n);
  }
  const det = v11 * v22 - v12 * v12;
  const chiSquare = (u1 * (v22 * u1 - v12 * u2) + u2 * (v11 * u2 - v12 * u1)) / det;
  return { chiSquare, p: Math.exp(-chiSquare / 2) };
}
